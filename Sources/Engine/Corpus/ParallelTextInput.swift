/// What a one-shot command (`transtok align`, `transtok transfer`, the benchmarks) reads: one file in a format, or
/// two line-parallel files. Read with `ParallelTextReader`, the daemon's reader, with the CLI's tolerances: any
/// readable path (`/dev/stdin` too), invalid UTF-8 decoded with replacement characters.
public enum ParallelTextInput: Equatable, Sendable {
    case file(path: String, format: CorpusFormat)
    /// Line k of `source` translates line k of `target` (the `moses` format).
    case lineParallel(source: String, target: String)

    /// `--input PATH [--format F]`: the format given, else the one the name implies (`.tsv`, `.jsonl`, `.tmx`, each
    /// optionally `.gz`), else fast_align's `source ||| target` (which has no file-name convention). `moses` is two
    /// files, not one.
    public static func oneFile(_ path: String, format: CorpusFormat?) -> ParallelTextInput {
        .file(path: path, format: format ?? CorpusFormat.implied(byName: path) ?? .fastAlign)
    }

    public var format: CorpusFormat {
        switch self {
        case .file(_, let format): format
        case .lineParallel: .moses
        }
    }

    /// The file a pair's source and target side come from (the same file for one-file formats).
    public var paths: (source: String, target: String) {
        switch self {
        case .file(let path, _): (path, path)
        case .lineParallel(let source, let target): (source, target)
        }
    }

    /// A one-line description of why this input cannot be read, before a byte is read (nil when it can): TMX needs
    /// both languages; `moses` is two files.
    public func problem(sourceLanguage: String?, targetLanguage: String?) -> String? {
        switch format {
        case .tmx where sourceLanguage == nil || targetLanguage == nil:
            "\(paths.source): a TMX file is read for a source and a target language; give both languages"
        case .moses:
            if case .file = self { "the moses format is two files: give the source and the target file" } else { nil }
        default: nil
        }
    }

    /// Reads every pair (see `ParallelTextReader` for the formats). Reader errors are `CorpusReadError`s naming the
    /// file and the line; an error thrown by `pair` ends the read with that error.
    public func read(
        maxLineBytes: Int = 16 << 20, sourceLanguage: String? = nil, targetLanguage: String? = nil,
        pair: (SentencePairText) throws -> Void
    ) throws {
        let reader = ParallelTextReader(
            maxLineBytes: maxLineBytes, strict: false, regularFileOnly: false, sourceLanguage: sourceLanguage,
            targetLanguage: targetLanguage)
        switch self {
        case .file(let path, let format): try reader.read(format, path: path, pair: pair)
        case .lineParallel(let source, let target): try reader.read(.moses, path: source, partner: target, pair: pair)
        }
    }
}
