/// The `decoder` section: turns token pieces back into text (HF `decode_chain`, then concatenation).
indirect enum Decoder {
    case byteLevel
    case metaspace(replacement: UInt32, prependScheme: MetaspacePrependScheme)
    case wordPiece(prefix: String, cleanup: Bool)
    case byteFallback
    case fuse
    case strip(content: UInt32, start: Int, stop: Int)
    case replace(TextPattern, [UInt32])
    case bpe(suffix: String)
    case sequence([Decoder])

    init(json: Any) throws {
        let f = try JSONFields(json, component: "decoder")
        switch f.type {
        case "ByteLevel": self = .byteLevel
        case "Metaspace":
            let rep = Scalars.of(f.optionalString("replacement") ?? "\u{2581}")
            guard rep.count == 1 else {
                throw TokenizerError.invalidComponent(
                    component: "Metaspace decoder", reason: "replacement must be one character")
            }
            self = .metaspace(replacement: rep[0], prependScheme: try PreTokenizer.scheme(f))
        case "WordPiece":
            self = .wordPiece(prefix: f.optionalString("prefix") ?? "##", cleanup: f.bool("cleanup", default: true))
        case "ByteFallback": self = .byteFallback
        case "Fuse": self = .fuse
        case "Strip":
            let c = Scalars.of(try f.string("content"))
            guard c.count == 1 else {
                throw TokenizerError.invalidComponent(
                    component: "Strip decoder", reason: "content must be one character")
            }
            self = .strip(content: c[0], start: f.int("start", default: 0), stop: f.int("stop", default: 0))
        case "Replace":
            self = .replace(
                try TextPattern(f.object["pattern"], component: "Replace decoder"), Scalars.of(try f.string("content")))
        case "BPEDecoder": self = .bpe(suffix: f.optionalString("suffix") ?? "</w>")
        case "Sequence": self = .sequence(try f.array("decoders").map { try Decoder(json: $0) })
        default: throw TokenizerError.unsupported(component: "decoder", type: f.type)
        }
    }

    func decodeChain(_ tokens: [[UInt32]]) -> [[UInt32]] {
        switch self {
        case .byteLevel:
            var bytes = [UInt8]()
            for t in tokens {
                if let b = ByteLevelAlphabet.bytes(ofPiece: t) { bytes += b } else { bytes += Scalars.utf8(t) }
            }
            return [Scalars.of(String(decoding: bytes, as: UTF8.self))]
        case .metaspace(let rep, let scheme):
            return tokens.enumerated().map { i, t in
                var out = t.map { $0 == rep ? 0x20 : $0 }
                if scheme != .never && i == 0 && out.first == 0x20 { out.removeFirst() }
                return out
            }
        case .wordPiece(let prefix, let cleanup):
            let p = Scalars.of(prefix)
            return tokens.enumerated().map { i, t in
                var out: [UInt32]
                if i != 0 {
                    if t.count >= p.count && Array(t.prefix(p.count)) == p {
                        out = Array(t.dropFirst(p.count))
                    } else {
                        out = [0x20] + t
                    }
                } else {
                    out = t
                }
                if cleanup { out = Decoder.cleanup(out) }
                return out
            }
        case .byteFallback:
            var out = [[UInt32]]()
            var pending = [UInt8]()
            func flush() {
                guard !pending.isEmpty else { return }
                let s = String(validatingUTF8CString: pending)
                if let s { out.append(Scalars.of(s)) } else { for _ in pending { out.append([0xFFFD]) } }
                pending.removeAll()
            }
            for t in tokens {
                if let b = Decoder.byteValue(t) {
                    pending.append(b)
                } else {
                    flush()
                    out.append(t)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .strip(let c, let start, let stop):
            return tokens.map { t in
                var lo = 0, hi = t.count
                while lo < start && lo < hi && t[lo] == c { lo += 1 }
                var k = 0
                while k < stop && hi > lo && t[hi - 1] == c {
                    hi -= 1
                    k += 1
                }
                return Array(t[lo..<hi])
            }
        case .replace(let pattern, let content):
            return tokens.map { t in
                var n = NormalizedText(scalars: t, spans: Array(repeating: Span(start: 0, end: 0), count: t.count))
                n.replace(ranges: pattern.matches(in: t), with: content)
                return n.scalars
            }
        case .bpe(let suffix):
            let s = Scalars.of(suffix)
            return tokens.enumerated().map { i, t in
                if !s.isEmpty && t.count >= s.count && Array(t.suffix(s.count)) == s {
                    return Array(t.dropLast(s.count)) + (i == tokens.count - 1 ? [] : [0x20])
                }
                return t
            }
        case .sequence(let list):
            var t = tokens
            for d in list { t = d.decodeChain(t) }
            return t
        }
    }

    /// `<0xAB>` → 0xAB
    static func byteValue(_ t: [UInt32]) -> UInt8? {
        guard t.count == 6, t[0] == 0x3C, t[1] == 0x30, t[2] == 0x78, t[5] == 0x3E else { return nil }
        func hex(_ v: UInt32) -> UInt8? {
            switch v {
            case 0x30...0x39: return UInt8(v - 0x30)
            case 0x41...0x46: return UInt8(v - 0x41 + 10)
            default: return nil
            }
        }
        guard let h = hex(t[3]), let l = hex(t[4]) else { return nil }
        return h << 4 | l
    }

    /// HF `cleanup` of the WordPiece decoder (BERT's tokenization clean-up).
    static func cleanup(_ t: [UInt32]) -> [UInt32] {
        var s = Scalars.string(t)
        for (a, b) in [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
            (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ] {
            s = s.replacingScalars(a, with: b)
        }
        return Scalars.of(s)
    }
}

extension String {
    /// Literal replacement on scalars (no canonical-equivalence matching).
    func replacingScalars(_ target: String, with replacement: String) -> String {
        let s = Scalars.of(self), t = Scalars.of(target)
        var n = NormalizedText(scalars: s, spans: Array(repeating: Span(start: 0, end: 0), count: s.count))
        n.replace(ranges: TextPattern.literal(t).matches(in: s), with: Scalars.of(replacement))
        return Scalars.string(n.scalars)
    }

    /// Strict UTF-8 decoding: nil when the bytes are not valid UTF-8.
    init?(validatingUTF8CString bytes: [UInt8]) {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var view = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let v): view.append(v)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(view)
    }
}
