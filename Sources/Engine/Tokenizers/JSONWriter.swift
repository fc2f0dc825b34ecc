import Foundation

/// Minimal ordered JSON writer (keys in the order given, strings escaped like Python's `ensure_ascii=False`).
indirect enum OrderedJSON {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    func write(into out: inout [UInt8], indent: Int = 0, pretty: Bool = true) {
        func nl(_ level: Int) {
            if pretty {
                out.append(0x0A)
                out.append(contentsOf: repeatElement(0x20, count: level * 2))
            }
        }
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .string(let s): OrderedJSON.writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (k, v) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                nl(indent + 1)
                v.write(into: &out, indent: indent + 1, pretty: pretty)
            }
            if !items.isEmpty { nl(indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (k, (key, v)) in fields.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                nl(indent + 1)
                OrderedJSON.writeString(key, into: &out)
                out += Array(": ".utf8)
                v.write(into: &out, indent: indent + 1, pretty: pretty)
            }
            if !fields.isEmpty { nl(indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        for v in s.unicodeScalars {
            switch v.value {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                out += Array(String(format: "\\u%04x", v.value).utf8)
            default: Scalars.appendUTF8(v.value, to: &out)
            }
        }
        out.append(0x22)
    }

    func bytes(pretty: Bool = true) -> [UInt8] {
        var out = [UInt8]()
        write(into: &out, pretty: pretty)
        out.append(0x0A)
        return out
    }
}
