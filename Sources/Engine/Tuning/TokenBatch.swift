/// Equal-length token sequences (input-table ids) trained or scored together. Each sequence starts at position 0;
/// position `p ≥ 1` of a sequence is predicted from positions `0..<p`, so a batch scores `count × (length − 1)`
/// tokens.
public struct TokenBatch: Sendable, Equatable {
    public let sequences: [[Int]]

    public init(_ sequences: [[Int]]) throws {
        guard let first = sequences.first else { throw TuningError.invalidBatch("a batch needs at least one sequence") }
        guard first.count >= 2 else { throw TuningError.invalidBatch("sequences need at least 2 tokens, found \(first.count)") }
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
