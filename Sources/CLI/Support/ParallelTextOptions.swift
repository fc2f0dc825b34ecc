import ArgumentParser
import Engine

/// The names and help of a command's two line-parallel files and of its languages: `align` says `--source` and
/// `--target`, `transfer` `--source-text` and `--target-text` (its languages also name the model card's).
protocol ParallelTextFlags {
    /// Long names, without the dashes.
    static var source: String { get }
    static var target: String { get }
    static var sourceHelp: String { get }
    static var targetHelp: String { get }
    static var inputHelp: String { get }
    static var sourceLanguageHelp: String { get }
    static var targetLanguageHelp: String { get }
}

/// The parallel text of a one-shot command (`align`, `transfer`): two line-parallel files, or one `--input` whose
/// format is `--format`'s, else the one its name implies, else fast_align's; and the languages a TMX `--input` is
/// read for. The one place these options are checked: its `validate` runs when the command is parsed, and each error
/// names the command's own flags.
struct ParallelTextOptions<Flags: ParallelTextFlags>: ParsableArguments {
    @Option(name: .customLong(Flags.source), help: ArgumentHelp(Flags.sourceHelp)) var source: String?
    @Option(name: .customLong(Flags.target), help: ArgumentHelp(Flags.targetHelp)) var target: String?
    @Option(help: ArgumentHelp(Flags.inputHelp)) var input: String?
    @Option(help: "Format of --input (default: the one its name implies, else fast-align).")
    var format: CorpusFormat?
    @Option(help: ArgumentHelp(Flags.sourceLanguageHelp, valueName: "code")) var sourceLanguage: String?
    @Option(help: ArgumentHelp(Flags.targetLanguageHelp, valueName: "code")) var targetLanguage: String?

    init() {}

    /// What to read (nil until the options are valid).
    var parallelInput: ParallelTextInput? {
        if let input { return .oneFile(input, format: format) }
        guard let source, let target else { return nil }
        return .lineParallel(source: source, target: target)
    }

    /// `parallelInput`, for `run` (parsing has validated the options, so this throws only for options built by hand).
    func requiredInput() throws -> ParallelTextInput {
        guard let parallelInput else { throw ValidationError(Self.missing) }
        return parallelInput
    }

    static var missing: String { "give --\(Flags.source) and --\(Flags.target), or --input" }

    func validate() throws {
        if input == nil && (source == nil || target == nil) { throw ValidationError(Self.missing) }
        if input != nil && (source != nil || target != nil) {
            throw ValidationError("--input excludes --\(Flags.source)/--\(Flags.target)")
        }
        if format != nil && input == nil { throw ValidationError("--format describes --input") }
        if let problem = parallelInput?.problem(sourceLanguage: sourceLanguage, targetLanguage: targetLanguage) {
            throw ValidationError(problem)
        }
    }
}
