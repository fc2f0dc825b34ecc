/// What the transfer code needs from a tokenizer, keyed by token id (pitfall 15: never by vocab order or
/// by piece string). The tokenizers branch's `Tokenizer` conforms through a small extension; tests use
/// synthetic vocabularies.
public protocol TokenVocabulary: Sendable {
    /// Number of ids, including added tokens. Ids are `0..<vocabularySize`; an id without a piece is a hole.
    var vocabularySize: Int { get }
    /// The raw vocabulary string of `id` (`▁cat`, `Ġcat`, `##s`, `<0x41>`, `<|im_start|>`).
    func piece(for id: Int) -> String?
    func id(forPiece piece: String) -> Int?
    /// The bytes a single token stands for in decoded text (leading space included for `▁`/`Ġ` word starts).
    func decodedBytes(for id: Int) -> [UInt8]
    /// Special-token roles present in this vocabulary.
    var specialTokenRoles: [SpecialTokenRole: Int] { get }
    /// Added tokens (ChatML markers and the like): id → content. Includes the role tokens when they are added.
    var addedTokenContents: [Int: String] { get }
    /// Tokenize `text` without special tokens. `offsets` are ranges of Unicode scalars of `text`, one per id.
    func encodeForTransfer(_ text: String) -> (ids: [Int], offsets: [Range<Int>])
}

extension TokenVocabulary {
    /// Decoded text of a token when its bytes are valid UTF-8 on their own, else nil (partial byte tokens).
    public func decodedText(for id: Int) -> String? {
        let bytes = decodedBytes(for: id)
        return String(validating: bytes, as: UTF8.self)
    }

    /// Ids of tokens that are never produced from plain text: role tokens and added special tokens.
    public var specialIDs: Set<Int> {
        Set(specialTokenRoles.values).union(addedTokenContents.keys)
    }

    /// The reference's marker detection (§1.3): P1 = piece of the first token of `" a"` minus trailing `a`,
    /// P2 = piece of the second token of a long run of `a` minus trailing `a`s.
    public var wordMarkers: (wordStart: String, continuation: String) {
        func stripA(_ s: String) -> String {
            var s = Substring(s)
            while s.hasSuffix("a") { s = s.dropLast() }
            return String(s)
        }
        let first = encodeForTransfer(" a").ids.first.flatMap { piece(for: $0) } ?? ""
        let run = encodeForTransfer(String(repeating: "a", count: 22)).ids
        let second = run.count > 1 ? (piece(for: run[1]) ?? "") : ""
        return (stripA(first), stripA(second))
    }
}
