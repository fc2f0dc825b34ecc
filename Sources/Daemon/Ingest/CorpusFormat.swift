import ControlAPI
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
    /// not corpus files (the rule is `CorpusFileName`'s, shared with the CLI's `ingest`).
    static func detect(path: String, sourceLanguage: String, targetLanguage: String) -> CorpusFormat? {
        switch CorpusFileName.classify(path: path, sourceLanguage: sourceLanguage, targetLanguage: targetLanguage) {
        case .tsv: .tsv
        case .jsonLines: .jsonLines
        case .tmx: .tmx
        case .mosesSource(let partner): .mosesSource(partner: partner)
        case .mosesTarget(let partner): .mosesTarget(partner: partner)
        case nil: nil
        }
    }
}
