import Foundation

/// The parallel-text formats a watched folder accepts, recognised by file name (optionally `.gz`).
enum CorpusFormat: Equatable, Sendable {
    /// `source<TAB>target` per line.
    case tsv
    /// JSON Lines: `{"src": …, "tgt": …}` per line.
    case jsonLines
    /// TMX 1.4 translation memory.
    case tmx
    /// Moses pairs: `NAME.<source-lang>` and `NAME.<target-lang>` with equal line counts.
    case mosesSource(partner: String)
    case mosesTarget(partner: String)

    var name: String {
        switch self {
        case .tsv: "tsv"
        case .jsonLines: "jsonl"
        case .tmx: "tmx"
        case .mosesSource, .mosesTarget: "moses"
        }
    }

    /// Classifies `path` for a workspace translating `sourceLanguage` → `targetLanguage`; nil for files that are
    /// not corpus files (unknown extensions, hidden and temporary files).
    static func detect(path: String, sourceLanguage: String, targetLanguage: String) -> CorpusFormat? {
        let fileName = (path as NSString).lastPathComponent
        if fileName.hasPrefix(".") || fileName.hasSuffix("~") || fileName.hasSuffix(".tmp") || fileName.hasSuffix(".part") {
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
