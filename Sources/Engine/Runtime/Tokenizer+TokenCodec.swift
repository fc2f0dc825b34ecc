extension Tokenizer: TokenCodec {
    public func encodeIDs(_ text: String) -> [Int] { encode(text, addSpecialTokens: false).ids }
    public func decodeIDs(_ ids: [Int]) -> String { decode(ids, skipSpecialTokens: false) }
    public func tokenBytes(_ id: Int) -> [UInt8] { decodedBytes(for: id) }
    public func tokenID(forPiece piece: String) -> Int? { id(forPiece: piece) }
    public func isControlToken(_ id: Int) -> Bool { isSpecial(id) || specialTokenIDs.values.contains(id) }
}
