import Foundation

/// The layout of parallel text, read by `ParallelTextReader` (the one reader of the daemon and the CLI).
public enum CorpusFormat: String, CaseIterable, Equatable, Sendable {
    /// `source<TAB>target` per line.
    case tsv
    /// JSON Lines: `{"src": …, "tgt": …}` per line.
    case jsonLines = "jsonl"
    /// TMX 1.4 translation memory (multilingual: read for a source and a target language).
    case tmx
    /// Two line-parallel files (Moses, `NAME.<source-lang>` + `NAME.<target-lang>`), with equal line counts.
    case moses
    /// fast_align's `source ||| target` per line (no file-name convention: the CLI's default for one file).
    case fastAlign = "fast-align"

    /// The name stored for an ingested file and shown in messages.
    public var name: String { self == .fastAlign ? "fast_align" : rawValue }
}

/// The parallel-text formats a watched folder accepts, recognised by file name alone (optionally `.gz`). The daemon
/// (which reads the files), the CLI's `ingest` (which refuses a file the daemon would ignore) and its one-shot
/// commands (`align --input`, `transfer --input`, which pick a one-file format by name) share this rule.
public enum CorpusFileName: Equatable, Sendable {
    /// `source<TAB>target` per line.
    case tsv
    /// JSON Lines: `{"src": …, "tgt": …}` per line.
    case jsonLines
    /// TMX 1.4 translation memory.
    case tmx
    /// Moses pairs: `NAME.<source-lang>` and `NAME.<target-lang>` with equal line counts.
    case mosesSource(partner: String)
    case mosesTarget(partner: String)

    /// The content's layout.
    public var format: CorpusFormat {
        switch self {
        case .tsv: .tsv
        case .jsonLines: .jsonLines
        case .tmx: .tmx
        case .mosesSource, .mosesTarget: .moses
        }
    }

    /// The format's name (stored for an ingested file).
    public var name: String { format.name }

    /// What `classify` accepts, for error messages.
    public static func accepted(sourceLanguage: String, targetLanguage: String) -> String {
        ".tsv, .jsonl, .tmx, or a Moses pair NAME.\(sourceLanguage) + NAME.\(targetLanguage) (each optionally .gz)"
    }

    /// Classifies `path` for a workspace translating `sourceLanguage` → `targetLanguage`; nil for files that are
    /// not corpus files (unknown extensions, hidden and temporary files).
    public static func classify(path: String, sourceLanguage: String, targetLanguage: String) -> CorpusFileName? {
        let fileName = (path as NSString).lastPathComponent
        if fileName.hasPrefix(".") || fileName.hasSuffix("~") || fileName.hasSuffix(".tmp")
            || fileName.hasSuffix(".part")
        {
            return nil
        }
        let gzip = fileName.hasSuffix(".gz")
        let base = gzip ? String(fileName.dropLast(3)) : fileName
        let ext = (base as NSString).pathExtension.lowercased()
        switch ext {
        case "tsv": return .tsv
        case "jsonl": return .jsonLines
        case "tmx": return .tmx
        default: break
        }
        let stem = (base as NSString).deletingPathExtension
        let directory = (path as NSString).deletingLastPathComponent
        let suffix = gzip ? ".gz" : ""
        if ext == sourceLanguage.lowercased() {
            return .mosesSource(partner: directory + "/" + stem + "." + targetLanguage + suffix)
        }
        if ext == targetLanguage.lowercased() {
            return .mosesTarget(partner: directory + "/" + stem + "." + sourceLanguage + suffix)
        }
        return nil
    }
}

extension CorpusFormat {
    /// The one-file format a file's name implies (`.tsv`, `.jsonl`, `.tmx`, each optionally `.gz`), or nil.
    public static func implied(byName path: String) -> CorpusFormat? {
        var name = (path as NSString).lastPathComponent
        if name.hasSuffix(".gz") { name = String(name.dropLast(3)) }
        switch (name as NSString).pathExtension.lowercased() {
        case "tsv": return .tsv
        case "jsonl": return .jsonLines
        case "tmx": return .tmx
        default: return nil
        }
    }
}
