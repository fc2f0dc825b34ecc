/// The result of the mapping step: for every target id, the source ids whose rows are averaged and their weights
/// (summing to 1, sorted ascending by weight as the reference sums them), and where the row came from.
public struct TokenMapping: Sendable, Equatable, Codable {
    public enum Origin: String, Sendable, Codable, CaseIterable {
        /// Alignment counts (possibly plus heuristic counts).
        case aligned
        /// Identical decoded strings and numbers only.
        case heuristic
        /// Special or added token mapped explicitly.
        case special
        /// Filled from related target tokens (prefix-extensions and contained tokens).
        case smoothed
        /// Fallback: the token's decoded text tokenized with the source tokenizer, uniform average.
        case sourceTokenization
        /// Fallback: the mean of all source rows (`sources` is empty).
        case sourceMean
        /// Paper mode's fallback: the source unk row (pitfall 12, kept only for `--paper-compat`).
        case sourceUnk

        var priority: Int {
            switch self {
            case .special: 6
            case .aligned: 5
            case .heuristic: 4
            case .smoothed: 3
            case .sourceTokenization: 2
            case .sourceUnk: 1
            case .sourceMean: 0
            }
        }

        /// Fallback rows are the "unmapped" tokens of the report.
        public var isFallback: Bool { self == .sourceTokenization || self == .sourceMean || self == .sourceUnk }
    }

    public struct Row: Sendable, Equatable, Codable {
        public var origin: Origin
        public var sources: [Int]
        public var weights: [Float]

        public init(origin: Origin, sources: [Int], weights: [Float]) {
            self.origin = origin
            self.sources = sources
            self.weights = weights
        }

        public var entries: [(sourceID: Int, weight: Float)] { Array(zip(sources, weights)).map { ($0.0, $0.1) } }
    }

    public var rows: [Row]
    public let sourceVocabularySize: Int

    public init(rows: [Row], sourceVocabularySize: Int) {
        self.rows = rows
        self.sourceVocabularySize = sourceVocabularySize
    }

    public var targetVocabularySize: Int { rows.count }

    public subscript(targetID: Int) -> [(sourceID: Int, weight: Float)] { rows[targetID].entries }

    /// Normalises a count row: `w = c / Σc` in Double, ascending by weight (ties by id), one cast to Float.
    public static func normalized(_ counts: [Int: Double], origin: Origin) -> Row? {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return nil }
        let sorted = counts.filter { $0.value > 0 }.sorted {
            $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key
        }
        return Row(origin: origin, sources: sorted.map(\.key), weights: sorted.map { Float($0.value / total) })
    }

    /// Target ids whose rows differ from `other` (or all ids beyond its size): the rows an incremental remap
    /// has to recompute.
    public func changedTargetIDs(comparedTo other: TokenMapping) -> [Int] {
        (0..<rows.count).filter { $0 >= other.rows.count || rows[$0] != other.rows[$0] }
    }

    /// Validates ids and weights (for mappings read from disk).
    public func validate() throws(TransferError) {
        for (t, row) in rows.enumerated() {
            guard row.sources.count == row.weights.count else {
                throw .malformedMapping("row \(t): sources/weights lengths differ")
            }
            for s in row.sources where s < 0 || s >= sourceVocabularySize {
                throw .sourceIDOutOfRange(targetID: t, sourceID: s, sourceRows: sourceVocabularySize)
            }
            if row.origin != .sourceMean {
                let sum = row.weights.reduce(0, +)
                guard !row.sources.isEmpty, abs(sum - 1) < 1e-3, row.weights.allSatisfy({ $0.isFinite && $0 >= 0 })
                else {
                    throw .malformedMapping("row \(t): weights must be non-negative and sum to 1")
                }
            }
        }
    }
}
