import Foundation

/// The `normalizer` section of tokenizer.json.
indirect enum Normalizer {
    case unicode(UnicodeNormalForm)
    case lowercase
    case stripAccents
    case strip(left: Bool, right: Bool)
    case replace(TextPattern, [UInt32])
    case prepend([UInt32])
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    case precompiled(PrecompiledCharsmap?)
    case sequence([Normalizer])
    case byteLevel

    init(json: Any) throws {
        let f = try JSONFields(json, component: "normalizer")
        switch f.type {
        case "NFC": self = .unicode(.nfc)
        case "NFD": self = .unicode(.nfd)
        case "NFKC": self = .unicode(.nfkc)
        case "NFKD": self = .unicode(.nfkd)
        case "Lowercase": self = .lowercase
        case "StripAccents": self = .stripAccents
        case "Strip":
            self = .strip(left: f.bool("strip_left", default: true), right: f.bool("strip_right", default: true))
        case "Replace":
            self = .replace(
                try TextPattern(f.object["pattern"], component: "Replace normalizer"),
                Scalars.of(try f.string("content")))
        case "Prepend": self = .prepend(Scalars.of(try f.string("prepend")))
        case "BertNormalizer":
            let lower = f.bool("lowercase", default: true)
            self = .bert(
                cleanText: f.bool("clean_text", default: true),
                handleChineseChars: f.bool("handle_chinese_chars", default: true),
                stripAccents: f.optionalBool("strip_accents") ?? lower, lowercase: lower)
        case "Precompiled":
            if let s = f.optionalString("precompiled_charsmap"), !s.isEmpty {
                guard let data = Data(base64Encoded: s) else {
                    throw TokenizerError.invalidComponent(
                        component: "Precompiled normalizer", reason: "charsmap is not base64")
                }
                self = .precompiled(try PrecompiledCharsmap([UInt8](data)))
            } else {
                self = .precompiled(nil)
            }
        case "Sequence": self = .sequence(try f.array("normalizers").map { try Normalizer(json: $0) })
        case "ByteLevel": self = .byteLevel
        default: throw TokenizerError.unsupported(component: "normalizer", type: f.type)
        }
    }

    func apply(_ t: inout NormalizedText) {
        switch self {
        case .unicode(let form): form.apply(to: &t)
        case .lowercase: Normalizer.lowercase(&t)
        // Both strip by the reference's Unicode version, not Swift's (`UnicodeMarks`).
        case .stripAccents: t.filter { !UnicodeMarks.isCombiningMark($0) }
        case .strip(let l, let r): t.strip(left: l, right: r) { UnicodeClasses.isWhitespace($0) }
        case .replace(let pattern, let content): t.replace(ranges: pattern.matches(in: t.scalars), with: content)
        case .prepend(let p): t.prepend(p)
        case .bert(let clean, let chinese, let strip, let lower):
            if clean {
                t.filter { v in !(v == 0 || v == 0xFFFD || Normalizer.isBertControl(v)) }
                t.expand { v, out in out.append(Normalizer.isBertWhitespace(v) ? 0x20 : v) }
            }
            if chinese {
                t.expand { v, out in
                    if UnicodeClasses.isChinese(v) {
                        out.append(0x20)
                        out.append(v)
                        out.append(0x20)
                    } else {
                        out.append(v)
                    }
                }
            }
            if strip {
                UnicodeNormalForm.nfd.apply(to: &t)
                t.filter { !UnicodeMarks.isBertNonspacingMark($0) }
            }
            if lower { Normalizer.lowercase(&t) }
        case .precompiled(let map): map?.apply(&t)
        case .sequence(let list): for n in list { n.apply(&t) }
        case .byteLevel: t = ByteLevelAlphabet.transform(t)
        }
    }

    static func isBertControl(_ v: UInt32) -> Bool {
        if v == 0x09 || v == 0x0A || v == 0x0D { return false }
        return UnicodeClasses.classes(v) & UnicodeClasses.other != 0
    }

    static func isBertWhitespace(_ v: UInt32) -> Bool {
        v == 0x09 || v == 0x0A || v == 0x0D || UnicodeClasses.isWhitespace(v)
    }

    /// Rust `char::to_lowercase` per scalar (full, unconditional mappings: Σ → σ, İ → i̇).
    static func lowercase(_ t: inout NormalizedText) {
        if t.scalars.allSatisfy({ $0 < 0x80 }) {
            for i in 0..<t.scalars.count where t.scalars[i] >= 0x41 && t.scalars[i] <= 0x5A { t.scalars[i] += 32 }
            return
        }
        t.expand { v, out in
            if v < 0x80 {
                out.append(v >= 0x41 && v <= 0x5A ? v + 32 : v)
                return
            }
            guard let s = Unicode.Scalar(v) else {
                out.append(v)
                return
            }
            let p = s.properties
            if !p.changesWhenLowercased {
                out.append(v)
                return
            }
            for l in p.lowercaseMapping.unicodeScalars { out.append(l.value) }
        }
    }
}
