import Engine
import Foundation

/// `transtok lookup`: the top translations of a word from a workspace's current alignment, source→target (by
/// t(f|e)) or target→source (by share of the expected counts), in the words' own spelling.
struct LookupService {
    struct Translation {
        var translation: String
        var probability: Double
        var count: Double
    }

    func lookup(_ word: String, in state: WorkspaceState, reverse: Bool, limit: Int) -> [Translation] {
        var probe = WordUnitCorpus(codec: state.transfer.codec)
        let (s, t) = state.transfer.splitters()
        probe.append(source: word, target: word, sourceSplitter: s, targetSplitter: t)
        guard let units = probe.sentences.first else { return [] }
        // NULL alignments (`<eps>`) are the aligner's bookkeeping, not translations.
        let table = state.aligner.lexicalTable(beam: nil)
        let rows = table.rows.filter { $0.source != "<eps>" && $0.target != "<eps>" }
        func text(_ rendered: String, _ lexicon: WordUnitLexicon, _ tokenizer: Tokenizer) -> String {
            guard let ids = lexicon[rendered] else { return rendered }
            return tokenizer.decode(ids, skipSpecialTokens: true).trimmingCharacters(in: .whitespaces)
        }
        if reverse {
            let matches = rows.filter { units.target.contains($0.target) }
            let total = matches.reduce(0) { $0 + $1.count }
            return matches.sorted { $0.count > $1.count }.prefix(limit).map {
                Translation(
                    translation: text($0.source, state.sourceLexicon, state.model.tokenizer),
                    probability: total > 0 ? $0.count / total : 0, count: $0.count)
            }
        }
        return rows.filter { units.source.contains($0.source) }.sorted { $0.logProbability > $1.logProbability }.prefix(
            limit
        ).map {
            Translation(
                translation: text($0.target, state.targetLexicon, state.target), probability: exp($0.logProbability),
                count: $0.count)
        }
    }
}
