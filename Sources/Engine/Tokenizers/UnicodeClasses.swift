/// Character classes used by normalizers, pre-tokenizers and the split matchers, with a precomputed table for
/// the Basic Multilingual Plane (the hot path) and Swift's Unicode properties above it.
enum UnicodeClasses {
    static let letter: UInt8 = 1 // \p{L}
    static let number: UInt8 = 2 // \p{N}
    static let whitespace: UInt8 = 4 // White_Space (Oniguruma \s, Rust char::is_whitespace)
    static let punctuation: UInt8 = 8 // \p{P} or ASCII punctuation (HF is_punc)
    static let other: UInt8 = 16 // \p{C}: Cc, Cf, Cn, Co, Cs (HF BertNormalizer is_control, minus \t\n\r)
    static let nonspacingMark: UInt8 = 32 // Mn
    static let mark: UInt8 = 64 // \p{M}

    static let bmp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        for v in 0..<0x10000 {
            if let s = Unicode.Scalar(UInt32(v)) { table[v] = compute(s) } else { table[v] = other } // surrogates
        }
        return table
    }()

    static func compute(_ s: Unicode.Scalar) -> UInt8 {
        var c: UInt8 = 0
        let p = s.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: c |= letter
        case .decimalNumber, .letterNumber, .otherNumber: c |= number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            c |= punctuation
        case .control, .format, .unassigned, .privateUse, .surrogate: c |= other
        case .nonspacingMark: c |= nonspacingMark | mark
        case .spacingMark, .enclosingMark: c |= mark
        default: break
        }
        if p.isWhitespace { c |= whitespace }
        let v = s.value
        if v < 0x80
            && ((33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v))
        {
            c |= punctuation
        }
        return c
    }

    @inline(__always) static func classes(_ v: UInt32) -> UInt8 {
        if v < 0x10000 { return bmp[Int(v)] }
        guard let s = Unicode.Scalar(v) else { return other }
        return compute(s)
    }

    @inline(__always) static func isLetter(_ v: UInt32) -> Bool { classes(v) & letter != 0 }
    @inline(__always) static func isNumber(_ v: UInt32) -> Bool { classes(v) & number != 0 }
    @inline(__always) static func isWhitespace(_ v: UInt32) -> Bool { classes(v) & whitespace != 0 }
    @inline(__always) static func isPunctuation(_ v: UInt32) -> Bool { classes(v) & punctuation != 0 }

    /// HF BertNormalizer / BertPreTokenizer CJK ranges.
    static func isChinese(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B920...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

/// Scalars ↔ UTF-8 helpers that never go through `String` comparison.
enum Scalars {
    static func of(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    static func string<C: Collection>(_ scalars: C) -> String where C.Element == UInt32 {
        var view = String.UnicodeScalarView()
        for v in scalars { view.append(Unicode.Scalar(v) ?? "\u{FFFD}") }
        return String(view)
    }

    @inline(__always) static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    static func utf8<C: Collection>(_ scalars: C) -> [UInt8] where C.Element == UInt32 {
        var out = [UInt8]()
        out.reserveCapacity(scalars.count)
        for v in scalars { appendUTF8(v, to: &out) }
        return out
    }
}
