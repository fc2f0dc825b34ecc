import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A TMX 1.4 translation unit: one segment per language, with the line where the unit starts.
struct TranslationUnit: Equatable {
    var line: Int
    var segments: [(language: String, text: String)]

    static func == (a: TranslationUnit, b: TranslationUnit) -> Bool {
        a.line == b.line && a.segments.map(\.language) == b.segments.map(\.language) && a.segments.map(\.text) == b.segments.map(\.text)
    }

    /// The segment whose language matches `code` (case-insensitive; `en` matches `en-GB`).
    func segment(for code: String) -> String? {
        let wanted = code.lowercased()
        return segments.first { entry in
            let language = entry.language.lowercased()
            return language == wanted || language.hasPrefix(wanted + "-") || language.hasPrefix(wanted + "_")
        }?.text
    }
}

/// Reads `<tu>`/`<tuv xml:lang>`/`<seg>` from TMX 1.4 with Foundation's XMLParser (no external entities).
/// Inline markup is flattened to its text (CDATA sections included), except `<bpt>`, `<ept>`, `<it>` and `<ph>`, whose content is native
/// formatting code, not translatable text.
enum TMXReader {
    static func read(_ data: Data) throws(CorpusParseError) -> [TranslationUnit] {
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        if let error = delegate.failure { throw error }
        guard ok else {
            throw CorpusParseError(
                "malformed TMX/XML: \(parser.parserError?.localizedDescription ?? "parse error")", line: parser.lineNumber)
        }
        guard delegate.sawRoot else { throw CorpusParseError("not a TMX document (no <tmx> root element)") }
        return delegate.units
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var units: [TranslationUnit] = []
        var failure: CorpusParseError?
        var sawRoot = false
        private var unit: TranslationUnit?
        private var language: String?
        private var segment: String?
        private var skipDepth = 0
        /// Open elements, to catch mismatched tags (some XMLParser builds recover from them silently).
        private var open: [String] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(name)
            switch name {
            case "tmx": sawRoot = true
            case "tu": unit = TranslationUnit(line: parser.lineNumber, segments: [])
            case "tuv": language = attributes["xml:lang"] ?? attributes["lang"]
            case "seg":
                if language == nil {
                    failure = CorpusParseError("<tuv> without xml:lang", line: parser.lineNumber)
                    parser.abortParsing()
                }
                segment = ""
            case "bpt", "ept", "it", "ph": if segment != nil { skipDepth += 1 }
            default: break
            }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard open.last == name else {
                failure = CorpusParseError(
                    "malformed TMX/XML: </\(name)> closes <\(open.last ?? "nothing")>", line: parser.lineNumber)
                parser.abortParsing()
                return
            }
            open.removeLast()
            switch name {
            case "seg":
                if let segment, let language { unit?.segments.append((language, segment)) }
                segment = nil
            case "tuv": language = nil
            case "tu":
                if let unit { units.append(unit) }
                unit = nil
            case "bpt", "ept", "it", "ph": if segment != nil { skipDepth = max(0, skipDepth - 1) }
            default: break
            }
        }

        func parserDidEndDocument(_ parser: XMLParser) {
            if failure == nil, let unclosed = open.last {
                failure = CorpusParseError("malformed TMX/XML: <\(unclosed)> is never closed", line: parser.lineNumber)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if segment != nil, skipDepth == 0 { segment! += string }
        }

        /// `<![CDATA[…]]>` inside a segment is text like any other (XMLParser reports it separately).
        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            guard segment != nil, skipDepth == 0 else { return }
            guard let text = String(data: block, encoding: .utf8) else {
                failure = CorpusParseError("a CDATA section is not valid UTF-8", line: parser.lineNumber)
                parser.abortParsing()
                return
            }
            segment! += text
        }
    }
}
