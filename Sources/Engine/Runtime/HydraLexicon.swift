import Foundation

/// Word translations that source-paced Hydra decoding chooses among: for a source word (its source-tokenizer ids, a
/// word unit of the aligner), the target words the aligner's lexical table gives it (target-tokenizer ids) with
/// their `log t(f|e)`. It is the table `transtok lookup` reads.
///
/// Why. Before each source word the Hydra head turns the body's prediction of that word into a target token. The
/// head's rows are `P(s|t)`-weighted means of source rows, so it prefers the target token most *purely* aligned to
/// the word, often an identical-string copy ("repeal" for "reapers") or a word-start piece, over its usual
/// translation (`HydraPrior` corrects this only in part). The table gives `t(f|e)`, the other direction, for whole
/// words. Each candidate is scored by `log t(f|e)` plus the head's log-probability of its first token in the body's
/// context, so the head chooses among the word's translations (`la` or `los` for "the", by what the body has
/// read), and a word the table does not know is left to the head alone.
public struct HydraLexicon: Sendable, Equatable {
    public struct Candidate: Sendable, Equatable {
        /// The target word's token ids (not empty).
        public var target: [Int]
        /// `log t(f|e)` from the aligner.
        public var logProbability: Float

        public init(target: [Int], logProbability: Float) {
            self.target = target
            self.logProbability = logProbability
        }
    }

    /// How much the head's log-probability of a candidate's first token counts beside its `log t(f|e)`. The head is
    /// sharp (tens of nats between its choice and the rest), so a small weight lets it break near-ties between the
    /// table's candidates without overruling the table. Chosen on 40 held-out dev verses per pair (chrF2 en–es /
    /// en–grc, docs/method.md § Lexicon-guided decoding): 0 → 38.75 (en–es), 0.05 → 39.26 / 31.35, 0.1 → 39.57 /
    /// 29.26 (without punctuation freed), 0.25 → 39.11 (en–es), 1 → 38.24 (en–es).
    public static let headWeight = 0.05

    /// The most candidates kept per source word.
    public static let candidatesPerWord = 8

    /// Candidates per source word, best first.
    public private(set) var entries: [[Int]: [Candidate]]

    public init(entries: [[Int]: [Candidate]] = [:]) {
        self.entries = entries.filter { !$0.key.isEmpty }.mapValues {
            Array($0.filter { !$0.target.isEmpty }.sorted { $0.logProbability > $1.logProbability }
                .prefix(Self.candidatesPerWord))
        }.filter { !$0.value.isEmpty }
    }

    /// From the aligner's lexical table (rendered word units) and the lexicons that map rendered units back to
    /// ids; rows with the empty word (`<eps>`) or a unit neither lexicon knows are skipped.
    public init(table: LexicalTable, sourceUnits: WordUnitLexicon, targetUnits: WordUnitLexicon) {
        var entries: [[Int]: [Candidate]] = [:]
        for row in table.rows where row.source != "<eps>" && row.target != "<eps>" {
            guard let source = sourceUnits[row.source], let target = targetUnits[row.target] else { continue }
            entries[source, default: []].append(Candidate(target: target, logProbability: Float(row.logProbability)))
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
    static let header = "# source_ids\ttarget_ids\tlog_t(f|e)"

    /// `hydra_lexicon.tsv`: the header, then one line per candidate, `source ids⇥target ids⇥log t(f|e)` (ids
    /// space-separated), sorted so the same lexicon always gives the same bytes.
    public var tsv: [UInt8] {
        var lines = [Self.header]
        for source in entries.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for candidate in entries[source] ?? [] {
                lines.append(
                    source.map(String.init).joined(separator: " ") + "\t"
                        + candidate.target.map(String.init).joined(separator: " ") + "\t"
                        + "\(candidate.logProbability)")
            }
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Reads `tsv`'s format; `path` names the file in errors, with the line. Ids must be below the vocabulary
    /// sizes (the source and target tokenizers').
    public init(tsv bytes: [UInt8], path: String, sourceVocabularySize: Int, targetVocabularySize: Int) throws(
        ModelFileError
    ) {
        var entries: [[Int]: [Candidate]] = [:]
        let text = String(decoding: bytes, as: UTF8.self)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            func bad(_ reason: String) -> ModelFileError {
                .malformedLine(path: path, line: number, reason: reason)
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3 else {
                throw bad("expected 3 tab-separated fields (source ids, target ids, log t(f|e)), found \(fields.count)")
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
            guard let logProbability = Float(fields[2]), logProbability.isFinite, logProbability <= 0 else {
                throw bad("log t(f|e) '\(fields[2])' is not a finite number ≤ 0")
            }
            entries[source, default: []].append(Candidate(target: target, logProbability: logProbability))
        }
        self.init(entries: entries)
    }
}
