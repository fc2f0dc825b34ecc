/// The result of encoding one text (HF `Encoding`, without padding/truncation).
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    /// [start, end) in Unicode scalar positions of the input, as HF reports them.
    public var offsets: [Range<Int>]
    /// true for tokens added by the post-processor or matching special added tokens.
    public var specialTokensMask: [Bool]
    /// Resolves `tokens` on demand (building a String per token is the costliest part of encoding).
    private let vocabulary: Tokenizer?
    private let explicitTokens: [String]?

    /// Vocabulary pieces (byte-level pieces stay in the byte alphabet, e.g. "Ġworld").
    public var tokens: [String] {
        if let explicitTokens { return explicitTokens }
        guard let vocabulary else { return [] }
        return ids.map { vocabulary.piece(for: $0) ?? "" }
    }

    public init(ids: [Int], tokens: [String], offsets: [Range<Int>], specialTokensMask: [Bool]) {
        self.ids = ids
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
        self.vocabulary = nil
        self.explicitTokens = tokens
    }

    init(ids: [Int], offsets: [Range<Int>], specialTokensMask: [Bool], tokenizer: Tokenizer) {
        self.ids = ids
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
        self.vocabulary = tokenizer
        self.explicitTokens = nil
    }

    public static func == (a: Encoding, b: Encoding) -> Bool {
        a.ids == b.ids && a.offsets == b.offsets && a.specialTokensMask == b.specialTokensMask
    }

    public var count: Int { ids.count }
}

/// Roles of special tokens, read from the post-processor, the added tokens and the model.
public enum SpecialTokenRole: String, Sendable, CaseIterable {
    case bos, eos, unk, pad, cls, sep, mask
}
