/// Equal-length token sequences (input-table ids) trained or scored together. Each sequence starts at position 0;
/// position `p ≥ 1` of a sequence is predicted from positions `0..<p`, so a batch scores `count × (length − 1)`
/// tokens.
public struct TokenBatch: Sendable, Equatable {
    public let sequences: [[Int]]
    /// Distillation targets (`DistillationTargets`), one list per sequence; nil = language-model loss only.
    public internal(set) var teacher: [DistillationTargets]?

    public init(_ sequences: [[Int]]) throws {
        guard let first = sequences.first else { throw TuningError.invalidBatch("a batch needs at least one sequence") }
        guard first.count >= 2 else {
            throw TuningError.invalidBatch("sequences need at least 2 tokens, found \(first.count)")
        }
        for (i, s) in sequences.enumerated() where s.count != first.count {
            throw TuningError.invalidBatch("sequence \(i) has \(s.count) tokens, sequence 0 has \(first.count)")
        }
        self.sequences = sequences
    }

    public var count: Int { sequences.count }
    public var length: Int { sequences[0].count }
    /// Tokens the loss is computed on.
    public var scoredTokens: Int { count * (length - 1) }
}

/// What the source model computed for one sequence of a batch: at `positions` (student positions whose token ends
/// at the same byte of the text as one of the source tokenizer's tokens), the source model's final-normed hidden
/// state after reading the same text with its own tokenizer (`states`, `positions.count × hidden`).
public struct DistillationTargets: Sendable, Equatable {
    public let positions: [Int]
    public let states: [Float]

    public init(positions: [Int], states: [Float]) {
        self.positions = positions
        self.states = states
    }
}
