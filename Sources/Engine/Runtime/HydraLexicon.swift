import Foundation

/// Word translations that source-paced Hydra decoding chooses among: for a source word (its source-tokenizer ids, a
/// word unit of the aligner), the target words the aligner's lexical table pairs with it (target-tokenizer ids),
/// each with `log t(f|e)` and `log p(e|f)`. It is the table `transtok lookup` reads.
///
/// Why. Before each source word the Hydra head turns the body's prediction of that word into a target token. The
/// head's rows are `P(s|t)`-weighted means of source rows, so it prefers the target token most *purely* aligned to
/// the word, often an identical-string copy ("repeal" for "reapers") or a word-start piece, over its usual
/// translation (`HydraPrior` corrects this only in part). The table knows whole words in both directions: `t(f|e)`
/// (how often the source word becomes this target word) and `p(e|f)` (the share of the target word's expected counts
/// that this source word has — lookup's reverse answer). Their product is the phrase tables' usual score: `t(f|e)`
/// alone gives "the" the Spanish `de` (which also stands for "of", "from"), `p(e|f)` alone gives it rare words
/// aligned only to it. Each candidate is scored by both plus the head's log-probability of its first token in the
/// body's context, so the head breaks near-ties among the word's translations (`la` or `los` for "the", by what
/// the body has read), and a word the table does not know is left to the head alone.
public struct HydraLexicon: Sendable, Equatable {
    public struct Candidate: Sendable, Equatable {
        /// The target word's token ids (not empty).
        public var target: [Int]
        /// `log t(f|e)`: the aligner's translation probability of the target word given the source word.
        public var forward: Float
        /// `log p(e|f)`: the source word's share of the target word's expected counts.
        public var reverse: Float

        public init(target: [Int], forward: Float, reverse: Float) {
            self.target = target
            self.forward = forward
            self.reverse = reverse
        }

        /// What decoding ranks by, before the head's share: `log t(f|e) + log p(e|f)`.
        public var score: Float { forward + reverse }
    }

    /// How much the head's log-probability of a candidate's first token counts beside the table's score. The head
    /// is sharp (tens of nats between its choice and the rest), so a small weight lets it break near-ties between
    /// the table's candidates without overruling the table. Chosen on 40 held-out dev verses per pair with `t(f|e)`
    /// alone (chrF2 en–es / en–grc, docs/method.md § Lexicon-guided decoding): 0 → 38.75 (en–es), 0.05 → 39.26 /
    /// 31.35, 0.1 → 39.57 / 29.26 (without punctuation freed), 0.25 → 39.11 (en–es), 1 → 38.24 (en–es).
    public static let headWeight = 0.05

    /// The most candidates kept per source word.
    public static let candidatesPerWord = 8

    /// Candidates per source word, best first.
    public private(set) var entries: [[Int]: [Candidate]]

    public init(entries: [[Int]: [Candidate]] = [:]) {
        self.entries = entries.filter { !$0.key.isEmpty }.mapValues {
            Array($0.filter { !$0.target.isEmpty }.sorted { $0.score > $1.score }.prefix(Self.candidatesPerWord))
        }.filter { !$0.value.isEmpty }
    }

    /// From the aligner's lexical table (rendered word units, `t(f|e)` and expected counts) and the lexicons that
    /// map rendered units back to ids. `p(e|f)` is a row's count over the counts of every row with its target word
    /// (the NULL source's excluded); rows with the empty word (`<eps>`), without counts, or with a unit neither
    /// lexicon knows are skipped.
    public init(table: LexicalTable, sourceUnits: WordUnitLexicon, targetUnits: WordUnitLexicon) {
        let words = table.rows.filter { $0.source != Vocabulary.nullWord && $0.target != Vocabulary.nullWord }
        var targetCounts: [String: Double] = [:]
        for row in words { targetCounts[row.target, default: 0] += row.count }
        var entries: [[Int]: [Candidate]] = [:]
        for row in words where row.count > 0 && row.logProbability.isFinite {
            guard let source = sourceUnits[row.source], let target = targetUnits[row.target],
                let total = targetCounts[row.target], total > 0
            else { continue }
            entries[source, default: []].append(
                Candidate(
                    target: target, forward: Float(row.logProbability),
                    reverse: Float(Foundation.log(row.count / total))
                ))
        }
        self.init(entries: entries)
    }

    /// The candidates for a source word; empty when the table does not know it.
    public func candidates(for source: some Collection<Int>) -> [Candidate] {
        entries[Array(source)] ?? []
    }

    public var isEmpty: Bool { entries.isEmpty }
}

extension HydraLexicon {
    /// The file's first line.
    static let header = "# source_ids\ttarget_ids\tlog_t(f|e)\tlog_p(e|f)"

    /// `hydra_lexicon.tsv`: the header, then one line per candidate, `source ids⇥target ids⇥log t(f|e)⇥log p(e|f)`
    /// (ids space-separated), sorted so the same lexicon always gives the same bytes.
    public var tsv: [UInt8] {
        var lines = [Self.header]
        for source in entries.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for candidate in entries[source] ?? [] {
                lines.append(
                    source.map(String.init).joined(separator: " ") + "\t"
                        + candidate.target.map(String.init).joined(separator: " ") + "\t"
                        + "\(candidate.forward)\t\(candidate.reverse)")
            }
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Reads `tsv`'s format; `path` names the file in errors, with the line. Ids must be below the vocabulary
    /// sizes (the source and target tokenizers').
    public init(tsv bytes: [UInt8], path: String, sourceVocabularySize: Int, targetVocabularySize: Int)
        throws(ModelFileError)
    {
        var entries: [[Int]: [Candidate]] = [:]
        let text = String(decoding: bytes, as: UTF8.self)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            func bad(_ reason: String) -> ModelFileError {
                .malformedLine(path: path, line: number, reason: reason)
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw bad(
                    "expected 4 tab-separated fields (source ids, target ids, log t(f|e), log p(e|f)), found \(fields.count)"
                )
            }
            func ids(_ field: Substring, _ side: String, _ size: Int) throws(ModelFileError) -> [Int] {
                var out: [Int] = []
                for part in field.split(separator: " ") {
                    guard let id = Int(part), id >= 0, id < size else {
                        throw bad("\(side) id '\(part)' is not a token id below \(size)")
                    }
                    out.append(id)
                }
                guard !out.isEmpty else { throw bad("no \(side) ids") }
                return out
            }
            let source = try ids(fields[0], "source", sourceVocabularySize)
            let target = try ids(fields[1], "target", targetVocabularySize)
            func logProbability(_ field: Substring, _ name: String) throws(ModelFileError) -> Float {
                guard let value = Float(field), value.isFinite, value <= 0 else {
                    throw bad("\(name) '\(field)' is not a finite number ≤ 0")
                }
                return value
            }
            entries[source, default: []].append(
                Candidate(
                    target: target, forward: try logProbability(fields[2], "log t(f|e)"),
                    reverse: try logProbability(fields[3], "log p(e|f)")))
        }
        self.init(entries: entries)
    }
}
