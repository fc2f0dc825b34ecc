/// Equal-length token sequences (input-table ids) trained or scored together. Each sequence starts at position 0;
/// position `p ≥ 1` of a sequence is predicted from positions `0..<p`. By default every position after the first is
/// scored (`count × (length − 1)` tokens); `scored` limits each sequence to a range of positions (a prompt that is
/// read but not predicted, padding after the end).
public struct TokenBatch: Sendable, Equatable {
    public let sequences: [[Int]]
    /// Per sequence, the positions whose token is predicted (within `1..<length`); nil = all of `1..<length`.
    public let scored: [Range<Int>]?
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
        self.scored = nil
    }

    /// Sequences whose positions `scored[i]` (non-empty, within `1..<length`) are the only ones predicted.
    public init(_ sequences: [[Int]], scored: [Range<Int>]) throws {
        let all = try TokenBatch(sequences)
        guard scored.count == sequences.count else {
            throw TuningError.invalidBatch("\(scored.count) scored ranges for \(sequences.count) sequences")
        }
        for (i, r) in scored.enumerated() where r.isEmpty || r.lowerBound < 1 || r.upperBound > all.length {
            throw TuningError.invalidBatch(
                "sequence \(i): scored positions \(r) are empty or outside 1..<\(all.length)")
        }
        self.sequences = sequences
        self.scored = scored
    }

    public var count: Int { sequences.count }
    public var length: Int { sequences[0].count }
    /// The positions of sequence `s` whose token is predicted.
    public func scoredPositions(_ s: Int) -> Range<Int> { scored?[s] ?? 1..<length }
    /// Tokens the loss is computed on.
    public var scoredTokens: Int { scored.map { $0.reduce(0) { $0 + $1.count } } ?? count * (length - 1) }
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
