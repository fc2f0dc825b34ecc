/// GPT-2's reversible byte ↔ printable-character mapping (`bytes_to_unicode`).
enum ByteLevelAlphabet {
    /// byte → scalar
    static let byteToScalar: [UInt32] = {
        var printable = Set<UInt32>()
        for r in [0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF] { for v in r { printable.insert(UInt32(v)) } }
        var table = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if printable.contains(UInt32(b)) {
                table[b] = UInt32(b)
            } else {
                table[b] = 256 + n
                n += 1
            }
        }
        return table
    }()

    /// scalar → byte (scalars up to 0x143), -1 when the scalar is not part of the alphabet.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, v) in byteToScalar.enumerated() { table[Int(v)] = Int16(b) }
        return table
    }()

    @inline(__always) static func byte(for scalar: UInt32) -> UInt8? {
        guard scalar < 0x144 else { return nil }
        let b = scalarToByte[Int(scalar)]
        return b < 0 ? nil : UInt8(b)
    }

    /// The raw bytes of a byte-level piece, or nil if it contains a scalar outside the alphabet.
    static func bytes(ofPiece scalars: [UInt32]) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(scalars.count)
        for v in scalars {
            guard let b = byte(for: v) else { return nil }
            out.append(b)
        }
        return out
    }

    /// Each scalar → its UTF-8 bytes as alphabet scalars, all aligned with the scalar.
    static func transform(_ text: NormalizedText) -> NormalizedText {
        var scalars = [UInt32]()
        scalars.reserveCapacity(text.count + 4)
        var spans = [Span]()
        spans.reserveCapacity(text.count + 4)
        var utf8 = [UInt8]()
        utf8.reserveCapacity(4)
        for i in 0..<text.count {
            let v = text.scalars[i]
            if v < 0x80 {
                scalars.append(byteToScalar[Int(v)])
                spans.append(text.spans[i])
                continue
            }
            utf8.removeAll(keepingCapacity: true)
            Scalars.appendUTF8(v, to: &utf8)
            for b in utf8 {
                scalars.append(byteToScalar[Int(b)])
                spans.append(text.spans[i])
            }
        }
        return NormalizedText(scalars: scalars, spans: spans)
    }
}
