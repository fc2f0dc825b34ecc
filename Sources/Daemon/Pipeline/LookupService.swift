import Engine
import Foundation
import Synchronization

/// What `transtok lookup` reads: an immutable copy of a workspace's lexical table (NULL rows removed), lexicons and
/// tokenizers, taken from a settled state (after a load, after a cycle). A running cycle never changes it: the
/// pipeline swaps in a new one when the cycle finishes, so lookups answer from the last published state at once.
struct LookupSnapshot: @unchecked Sendable { // (tokenizers and the transfer pipeline are read-only once built)
    let rows: [LexicalTable.Row]
    let transfer: TransferPipeline
    let sourceLexicon: WordUnitLexicon
    let targetLexicon: WordUnitLexicon
    let sourceTokenizer: Tokenizer
    let targetTokenizer: Tokenizer

    init(_ state: WorkspaceState) {
        // NULL alignments (`<eps>`) are the aligner's bookkeeping, not translations.
        rows = state.aligner.lexicalTable(beam: nil).rows.filter { $0.source != "<eps>" && $0.target != "<eps>" }
        transfer = state.transfer
        sourceLexicon = state.sourceLexicon
        targetLexicon = state.targetLexicon
        sourceTokenizer = state.model.tokenizer
        targetTokenizer = state.target
    }
}

/// The last published `LookupSnapshot` of one workspace (nil until published), readable from any thread.
final class LookupSnapshotSlot: Sendable {
    private let current = Mutex<LookupSnapshot?>(nil)
    /// Set by the first lookup: only then do loads and cycles pay for a snapshot.
    private let wanted = Atomic<Bool>(false)

    var snapshot: LookupSnapshot? { current.withLock { $0 } }
    var isWanted: Bool { wanted.load(ordering: .relaxed) }
    func want() { wanted.store(true, ordering: .relaxed) }
    func publish(_ snapshot: LookupSnapshot) { current.withLock { $0 = snapshot } }
}

/// `transtok lookup`: the top translations of a word from a workspace's current alignment, source→target (by
/// t(f|e)) or target→source (by share of the expected counts), in the words' own spelling.
struct LookupService {
    struct Translation {
        var translation: String
        var probability: Double
        var count: Double
    }

    func lookup(_ word: String, in snapshot: LookupSnapshot, reverse: Bool, limit: Int) -> [Translation] {
        var probe = WordUnitCorpus(codec: snapshot.transfer.codec)
        let (s, t) = snapshot.transfer.splitters()
        probe.append(source: word, target: word, sourceSplitter: s, targetSplitter: t)
        guard let units = probe.sentences.first else { return [] }
        let rows = snapshot.rows
        func text(_ rendered: String, _ lexicon: WordUnitLexicon, _ tokenizer: Tokenizer) -> String {
            guard let ids = lexicon[rendered] else { return rendered }
            return tokenizer.decode(ids, skipSpecialTokens: true).trimmingCharacters(in: .whitespaces)
        }
        if reverse {
            let matches = rows.filter { units.target.contains($0.target) }
            let total = matches.reduce(0) { $0 + $1.count }
            return matches.sorted { $0.count > $1.count }.prefix(limit).map {
                Translation(
                    translation: text($0.source, snapshot.sourceLexicon, snapshot.sourceTokenizer),
                    probability: total > 0 ? $0.count / total : 0, count: $0.count)
            }
        }
        return rows.filter { units.source.contains($0.source) }.sorted { $0.logProbability > $1.logProbability }.prefix(
            limit
        ).map {
            Translation(
                translation: text($0.target, snapshot.targetLexicon, snapshot.targetTokenizer),
                probability: exp($0.logProbability), count: $0.count)
        }
    }
}
