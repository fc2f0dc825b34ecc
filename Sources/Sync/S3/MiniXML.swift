/// Just enough XML for S3 responses: find `<Name>…</Name>` elements (no nesting of the same name) and decode the
/// five predefined entities. S3 bodies are small and regular; this avoids a libxml2 dependency.
enum MiniXML {
    /// Inner text of every `<name>` element, in order.
    static func elements(_ name: String, in xml: Substring) -> [Substring] {
        var out: [Substring] = []
        var rest = xml
        let open = "<\(name)"
        let close = "</\(name)>"
        while let start = rest.range(of: open) {
            let afterName = start.upperBound
            guard afterName < rest.endIndex else { break }
            let next = rest[afterName]
            guard next == ">" || next == " " || next == "/" else {
                rest = rest[afterName...]
                continue
            }
            guard let tagEnd = rest[afterName...].firstIndex(of: ">") else { break }
            if rest[rest.index(before: tagEnd)] == "/" { // <name/>
                out.append(rest[tagEnd..<tagEnd])
                rest = rest[rest.index(after: tagEnd)...]
                continue
            }
            let contentStart = rest.index(after: tagEnd)
            guard let end = rest[contentStart...].range(of: close) else { break }
            out.append(rest[contentStart..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return out
    }

    static func elements(_ name: String, in xml: String) -> [Substring] { elements(name, in: Substring(xml)) }

    /// Decoded text of the first `<name>` element.
    static func value(_ name: String, in xml: Substring) -> String? {
        elements(name, in: xml).first.map { decode($0) }
    }

    static func value(_ name: String, in xml: String) -> String? { value(name, in: Substring(xml)) }

    static func decode(_ s: Substring) -> String {
        guard s.contains("&") else { return String(s) }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].firstIndex(of: ";") {
                let entity = s[s.index(after: i)..<semi]
                var replacement: String?
                switch entity {
                case "amp": replacement = "&"
                case "lt": replacement = "<"
                case "gt": replacement = ">"
                case "quot": replacement = "\""
                case "apos": replacement = "'"
                default:
                    if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(v)
                    {
                        replacement = String(Character(u))
                    } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let u = Unicode.Scalar(v) {
                        replacement = String(Character(u))
                    }
                }
                if let replacement {
                    out += replacement
                    i = s.index(after: semi)
                    continue
                }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
