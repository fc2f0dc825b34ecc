/// The tokenizers branch's `Tokenizer` as the transfer code's vocabulary.
extension Tokenizer: TokenVocabulary {
    public var specialTokenRoles: [SpecialTokenRole: Int] { specialTokenIDs }

    /// Special added tokens (ChatML markers, role tokens). Non-special added tokens (SentencePiece user symbols
    /// such as `▁▁`) are ordinary text tokens and go through alignment like the rest.
    public var addedTokenContents: [Int: String] {
        var out: [Int: String] = [:]
        for token in addedTokens where token.special { out[token.id] = token.content }
        return out
    }

    public func encodeForTransfer(_ text: String) -> (ids: [Int], offsets: [Range<Int>]) {
        let encoding = encode(text, addSpecialTokens: false)
        return (encoding.ids, encoding.offsets)
    }
}
