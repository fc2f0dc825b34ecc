/// The single-character JSON string escapes (RFC 8259 §7), shared by Engine's two JSON readers (`JSONValue` for
/// model files, strict; `JSONReader` for tokenizer.json, lenient about lone surrogates like HF).
enum JSONEscapes {
    /// The byte `\` followed by `escape` stands for, or nil when `escape` is `u` (four hex digits follow) or invalid.
    @inline(__always)
    static func simple(_ escape: UInt8) -> UInt8? {
        switch escape {
        case UInt8(ascii: "\""): 0x22
        case UInt8(ascii: "\\"): 0x5C
        case UInt8(ascii: "/"): 0x2F
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }
}
