/// What text-level generation, translation and evaluation need from a tokenizer. `Tokenizer` (Tokenizers/)
/// conforms; tests can use anything small.
public protocol TokenCodec: Sendable {
    /// Ids of `text` without automatically added special tokens; special-token strings written in the text
    /// (`<|im_start|>`) become their ids.
    func encodeIDs(_ text: String) -> [Int]
    /// The text of `ids` (special tokens included).
    func decodeIDs(_ ids: [Int]) -> String
    /// The UTF-8 bytes one token stands for (possibly an incomplete character for byte-level vocabularies).
    func tokenBytes(_ id: Int) -> [UInt8]
    /// The id of a vocabulary entry (e.g. `<|im_end|>`), if present.
    func tokenID(forPiece piece: String) -> Int?
    /// Whether `id` is a control token (`<unk>`, `<s>`, `<|im_end|>`, …) rather than text.
    func isControlToken(_ id: Int) -> Bool
}

extension TokenCodec {
    public func isControlToken(_ id: Int) -> Bool { false }
}

/// Turns a stream of token ids into text pieces that are always whole UTF-8 characters, holding back a partial
/// character until the token that completes it arrives.
public struct TextStreamDecoder: Sendable {
    private let codec: any TokenCodec
    private var pending: [UInt8] = []

    public init(codec: any TokenCodec) { self.codec = codec }

    /// Text completed by `id` (possibly empty).
    public mutating func append(_ id: Int) -> String {
        pending += codec.tokenBytes(id)
        let complete = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is held back (invalid sequences come out as U+FFFD).
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a multi-byte character.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        var back = 0
        while i > 0, back < 4 {
            let b = bytes[i - 1]
            if b & 0xC0 == 0x80 {
                i -= 1
                back += 1
                continue
            } // continuation byte
            let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            return back + 1 >= need ? bytes.count : i - 1
        }
        return bytes.count
    }
}
