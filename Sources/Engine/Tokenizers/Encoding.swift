/// The result of encoding one text (HF `Encoding`, without padding/truncation).
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    /// Vocabulary pieces (byte-level pieces stay in the byte alphabet, e.g. "Ġworld").
    public var tokens: [String]
    /// [start, end) in Unicode scalar positions of the input, as HF reports them.
    public var offsets: [Range<Int>]
    /// true for tokens added by the post-processor or matching special added tokens.
    public var specialTokensMask: [Bool]

    public init(ids: [Int], tokens: [String], offsets: [Range<Int>], specialTokensMask: [Bool]) {
        self.ids = ids; self.tokens = tokens; self.offsets = offsets; self.specialTokensMask = specialTokensMask
    }

    public var count: Int { ids.count }
}

/// Roles of special tokens, read from the post-processor, the added tokens and the model.
public enum SpecialTokenRole: String, Sendable, CaseIterable {
    case bos, eos, unk, pad, cls, sep, mask
}
