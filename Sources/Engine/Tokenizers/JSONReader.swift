import Foundation

/// A strict JSON reader producing the same shapes as `JSONSerialization` (`[String: Any]`, `[Any]`, `String`,
/// `NSNumber`, `NSNull`) but preserving every scalar exactly: Foundation's reader drops a leading U+FEFF from
/// strings, which corrupts vocabularies that contain the BOM as a piece (Mistral's id 31759).
struct JSONReader {
    /// When two keys of one object are equal as Swift `String`s (canonically equivalent, e.g. U+2000 and
    /// U+2002, or NFC and NFD "é"), the dictionary keeps only one of them; the object then also carries every
    /// (key, value) pair, in file order, under this key as `[[key, value]]`. Vocabulary readers use it.
    static let orderedPairsKey = "\u{0}transtok.ordered-pairs\u{0}"

    private let b: [UInt8]
    private var i = 0
    private var depth = 0

    static func parse(_ bytes: [UInt8]) throws -> Any {
        var r = JSONReader(b: bytes)
        r.skipSpace()
        let v = try r.value()
        r.skipSpace()
        guard r.i == bytes.count else { throw r.error("trailing characters") }
        return v
    }

    private init(b: [UInt8]) { self.b = b }

    private func error(_ what: String) -> TokenizerError { .invalidJSON("\(what) at byte \(i)") }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws -> Any {
        guard i < b.count else { throw error("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "t"):
            try literal("true")
            return NSNumber(value: true)
        case UInt8(ascii: "f"):
            try literal("false")
            return NSNumber(value: false)
        case UInt8(ascii: "n"):
            try literal("null")
            return NSNull()
        default: return try number()
        }
    }

    private mutating func literal(_ s: String) throws {
        let u = Array(s.utf8)
        guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { throw error("invalid literal") }
        i += u.count
    }

    private mutating func object() throws -> [String: Any] {
        depth += 1
        guard depth < 512 else { throw error("nesting too deep") }
        defer { depth -= 1 }
        i += 1
        var out = [String: Any]()
        var pairs = [Any]()
        var collided = false
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
            return out
        }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a key") }
            let k = try string()
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipSpace()
            let v = try value()
            if out.updateValue(v, forKey: k) != nil { collided = true }
            pairs.append([k, v])
            skipSpace()
            guard i < b.count else { throw error("unterminated object") }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if b[i] == UInt8(ascii: "}") {
                i += 1
                if collided { out[Self.orderedPairsKey] = pairs }
                return out
            }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func array() throws -> [Any] {
        depth += 1
        guard depth < 512 else { throw error("nesting too deep") }
        defer { depth -= 1 }
        i += 1
        var out = [Any]()
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") {
            i += 1
            return out
        }
        while true {
            skipSpace()
            out.append(try value())
            skipSpace()
            guard i < b.count else { throw error("unterminated array") }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if b[i] == UInt8(ascii: "]") {
                i += 1
                return out
            }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("bad \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < b.count else { throw error("unterminated string") }
        if b[i] == UInt8(ascii: "\"") {
            let s = try Self.utf8(b[start..<i], at: start)
            i += 1
            return s
        }
        var bytes = Array(b[start..<i])
        while true {
            guard i < b.count else { throw error("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if c != UInt8(ascii: "\\") {
                bytes.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { throw error("unterminated escape") }
            let e = b[i]
            i += 1
            if let decoded = JSONEscapes.simple(e) {
                bytes.append(decoded)
                continue
            }
            switch e {
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800..<0xDC00).contains(v), i + 1 < b.count, b[i] == 0x5C, b[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let lo = try hex4()
                    if (0xDC00..<0xE000).contains(lo) {
                        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        i = save
                    }
                }
                // Lone surrogates become U+FFFD (as Python's json + HF would reject them).
                Scalars.appendUTF8(Unicode.Scalar(v) == nil ? 0xFFFD : v, to: &bytes)
            default: throw error("bad escape")
            }
        }
        return try Self.utf8(bytes[...], at: start)
    }

    private static func utf8(_ s: ArraySlice<UInt8>, at: Int) throws -> String {
        guard let v = String(validatingUTF8CString: Array(s)) else {
            throw TokenizerError.invalidJSON("invalid UTF-8 in string at byte \(at)")
        }
        return v
    }

    private mutating func number() throws -> NSNumber {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        var integral = true
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                i += 1
                continue
            }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "-")
            {
                integral = false
                i += 1
                continue
            }
            break
        }
        guard i > start else { throw error("unexpected character") }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if integral, let v = Int(text) { return NSNumber(value: v) }
        guard let d = Double(text) else { throw error("bad number \(text)") }
        return NSNumber(value: d)
    }
}
