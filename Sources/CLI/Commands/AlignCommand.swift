import ArgumentParser
import Engine
import Foundation

extension AlignerModel: ExpressibleByArgument {}
extension SymmetrizationMethod: ExpressibleByArgument {}
extension CorpusFormat: ExpressibleByArgument {
    /// The formats of one `--input` file (`moses` is two files: `--source`/`--target`).
    public static var allValueStrings: [String] { allCases.filter { $0 != .moses }.map(\.rawValue) }
}

struct AlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align",
        abstract:
            "Word-align parallel text; Pharaoh links (i-j, i indexing the source line) to stdout (JSON Lines with --json).",
        discussion: """
            Input: --source and --target (line-parallel files) or --input: one file in the format --format names, else
            the one its name implies (.tsv: source<TAB>target; .jsonl: {"src": …, "tgt": …}; .tmx: TMX 1.4, read for
            --source-language and --target-language), else fast_align's 'source ||| target' lines. Any of them may be
            gzip-compressed (.gz); transtokd's watched folders read the same formats with the same reader.
            Tokens are separated by spaces or tabs. Empty sides are warned about (with line numbers) and get an empty
            output line; sides longer than --max-tokens are an error (or, with --skip-overlong, a warning).
            Models: ibm1 (the paper: fast_align IBM Model 1, -I 7), fastalign (fast_align -d -o -v),
            best (fast_align IBM 2 -> HMM, both directions, grow-diag-final-and; with --reverse and no --symmetrize, the reverse HMM alone). Output is the same for any --threads.
            """
    )

    @OptionGroup var parallelText: ParallelTextOptions<AlignCorpusFlags>
    @Option(help: "ibm1 | fastalign | best") var model: AlignerModel = .best
    @Flag(help: "Align in the reverse direction (the target side conditions), links still printed source-target.")
    var reverse = false
    @Option(help: "Passes (fast_align -I for ibm1/fastalign; HMM iterations for best).") var iterations: Int?
    @Option(help: "Combine both directions: intersect, union, grow-diag, grow-diag-final, grow-diag-final-and.")
    var symmetrize: SymmetrizationMethod?
    @Option(help: "Write the lexical table (e<TAB>f<TAB>ln t(f|e)<TAB>count, beam t >= max^4) here.") var ttable:
        String?
    @Option(help: "Worker threads.") var threads: Int = 1
    @Flag(help: "Lowercase all tokens before aligning.") var lowercase = false
    @Option(help: "Longest accepted side, in tokens.") var maxTokens: Int = 1024
    @Flag(help: "Skip over-long pairs with a warning instead of failing.") var skipOverlong = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let n = iterations, n < 1 { throw ValidationError("--iterations must be at least 1") }
    }

    func run() throws {
        let progress = ProgressDisplay(label: "align", style: .detect(quiet: global.quiet || global.json))
        defer { progress.finish() }
        progress.step("reading the corpus", index: 0, of: 3)
        var reader = CorpusReader(lowercase: lowercase, maxTokens: maxTokens, skipOverlong: skipOverlong)
        reader.sourceLanguage = parallelText.sourceLanguage
        reader.targetLanguage = parallelText.targetLanguage
        let corpus = try reader.read(try parallelText.requiredInput())
        for w in corpus.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        var config = WordAlignerConfiguration()
        config.model = model
        config.reverse = reverse
        config.iterations = iterations
        config.symmetrize = symmetrize
        config.threads = threads
        progress.step("aligning \(corpus.count) pairs (\(model.rawValue))", index: 1, of: 3)
        let result = try WordAligner.align(corpus, config)
        progress.step("writing", index: 2, of: 3)
        if let ttable { try result.table.write(to: ttable) }
        var out = ""
        out.reserveCapacity(corpus.count * 64)
        if global.json {
            // JSON Lines: one object per sentence pair, in input order.
            for (index, links) in result.links.enumerated() {
                out +=
                    try JSONOutput.string(
                        AlignedPair(line: corpus.lineNumbers[index], links: links.map { [$0.source, $0.target] }),
                        pretty: false) + "\n"
            }
        } else {
            for links in result.links { out += Pharaoh.format(links) + "\n" }
        }
        progress.finish()
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

/// `transtok align --json`: one line per sentence pair (JSON Lines), its links as [source, target] index pairs, with
/// its input line (for TMX, the line where its unit starts).
struct AlignedPair: Encodable {
    var line: Int
    var links: [[Int]]
}

/// `align`'s names: `--source`/`--target`; its languages only choose a TMX file's sides.
enum AlignCorpusFlags: ParallelTextFlags {
    static let source = "source"
    static let target = "target"
    static let sourceHelp = "Source-side file, one sentence per line."
    static let targetHelp = "Target-side file, line-parallel to --source."
    static let inputHelp =
        "Single parallel file (instead of --source/--target): fast_align's 'source ||| target' lines, or see --format."
    static let sourceLanguageHelp = "Source language of a TMX --input (ISO code; en matches en-GB)."
    static let targetLanguageHelp = "Target language of a TMX --input (ISO code)."
}
