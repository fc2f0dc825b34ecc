import Foundation

/// The parallel-text formats a watched folder accepts, recognised by file name alone (optionally `.gz`). The daemon
/// (which reads the files) and the CLI (which refuses to `ingest` a file the daemon would ignore) share this rule.
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
