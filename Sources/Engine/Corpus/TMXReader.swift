import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A TMX 1.4 translation unit: one segment per language, with the line where the unit starts.
public struct TranslationUnit: Equatable, Sendable {
    public var line: Int
    public var segments: [(language: String, text: String)]

    public static func == (a: TranslationUnit, b: TranslationUnit) -> Bool {
        a.line == b.line && a.segments.map(\.language) == b.segments.map(\.language)
            && a.segments.map(\.text) == b.segments.map(\.text)
    }

    /// The segment whose language matches `code` (case-insensitive; `en` matches `en-GB`).
    public func segment(for code: String) -> String? {
        let wanted = code.lowercased()
        return segments.first { entry in
            let language = entry.language.lowercased()
            return language == wanted || language.hasPrefix(wanted + "-") || language.hasPrefix(wanted + "_")
        }?.text
    }
}

/// Reads `<tu>`/`<tuv xml:lang>`/`<seg>` from TMX 1.4 with Foundation's XMLParser (no external entities), streaming:
/// the parser is fed the file's chunks and each unit is handed on as soon as it closes, so only one unit is held
/// (at most `maxUnitBytes` of segment text, else an error naming its line).
/// Inline markup is flattened to its text (CDATA sections included), except `<bpt>`, `<ept>`, `<it>` and `<ph>`, whose content is native
/// formatting code, not translatable text.
public enum TMXReader {
    public static func read(
        _ stream: CorpusByteStream, maxUnitBytes: Int = 100_000, unit: @escaping (TranslationUnit) throws -> Void
    ) throws {
        let delegate = Delegate(maxUnitBytes: maxUnitBytes, emit: unit)
        let input = ChunkInputStream(stream)
        let parser = XMLParser(stream: input)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        // A read error (a corrupt .gz, a file over the limit) comes first: the XML error it causes is only a symptom.
        if let error = input.failure { throw error }
        if let error = delegate.failure { throw error }
        guard ok else {
            throw CorpusReadError(
                "malformed TMX/XML: \(parser.parserError?.localizedDescription ?? "parse error")",
                line: parser.lineNumber)
        }
        guard delegate.sawRoot else { throw CorpusReadError("not a TMX document (no <tmx> root element)") }
    }

    /// All units of in-memory TMX (tests).
    public static func read(_ data: Data) throws -> [TranslationUnit] {
        var units: [TranslationUnit] = []
        try read(CorpusByteStream(data: data)) { units.append($0) }
        return units
    }

    /// Feeds XMLParser from a `CorpusByteStream` (XMLParser pulls its input through an `InputStream`).
    private final class ChunkInputStream: InputStream {
        private let source: CorpusByteStream
        private var chunk: UnsafeRawBufferPointer?
        private var position = 0
        private var status: Stream.Status = .notOpen
        private(set) var failure: CorpusReadError?

        init(_ source: CorpusByteStream) {
            self.source = source
            super.init(data: Data())
        }

        override func open() { status = .open }
        override func close() { status = .closed }
        override var streamStatus: Stream.Status { status }
        override var hasBytesAvailable: Bool { status == .open }

        override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
            if chunk == nil || position >= chunk!.count {
                do {
                    guard let next = try source.next() else {
                        status = .atEnd
                        return 0
                    }
                    chunk = next
                    position = 0
                } catch {
                    failure = error
                    status = .error
                    return -1
                }
            }
            let current = chunk!
            let count = min(length, current.count - position)
            UnsafeMutableRawPointer(buffer).copyMemory(from: current.baseAddress! + position, byteCount: count)
            position += count
            return count
        }
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var failure: Error?
        var sawRoot = false
        let maxUnitBytes: Int
        let emit: (TranslationUnit) throws -> Void
        private var unitBytes = 0

        init(maxUnitBytes: Int, emit: @escaping (TranslationUnit) throws -> Void) {
            self.maxUnitBytes = maxUnitBytes
            self.emit = emit
        }
        private var unit: TranslationUnit?
        private var language: String?
        private var segment: String?
        private var skipDepth = 0
        /// Open elements, to catch mismatched tags (some XMLParser builds recover from them silently).
        private var open: [String] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            open.append(name)
            switch name {
            case "tmx": sawRoot = true
            case "tu":
                unit = TranslationUnit(line: parser.lineNumber, segments: [])
                unitBytes = 0
            case "tuv": language = attributes["xml:lang"] ?? attributes["lang"]
            case "seg":
                if language == nil {
                    failure = CorpusReadError("<tuv> without xml:lang", line: parser.lineNumber)
                    parser.abortParsing()
                }
                segment = ""
            case "bpt", "ept", "it", "ph": if segment != nil { skipDepth += 1 }
            default: break
            }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard open.last == name else {
                failure = CorpusReadError(
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
                if let unit {
                    do { try emit(unit) } catch {
                        failure = error
                        parser.abortParsing()
                    }
                }
                unit = nil
            case "bpt", "ept", "it", "ph": if segment != nil { skipDepth = max(0, skipDepth - 1) }
            default: break
            }
        }

        func parserDidEndDocument(_ parser: XMLParser) {
            if failure == nil, let unclosed = open.last {
                failure = CorpusReadError("malformed TMX/XML: <\(unclosed)> is never closed", line: parser.lineNumber)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if segment != nil, skipDepth == 0 { append(string, parser) }
        }

        /// Adds segment text, bounding a unit's size (a unit is the one thing held in memory).
        private func append(_ text: String, _ parser: XMLParser) {
            guard failure == nil else { return }
            unitBytes += text.utf8.count
            if unitBytes > maxUnitBytes {
                failure = CorpusReadError(
                    "translation unit longer than \(maxUnitBytes) bytes", line: unit?.line ?? parser.lineNumber)
                parser.abortParsing()
                return
            }
            segment! += text
        }

        /// `<![CDATA[…]]>` inside a segment is text like any other (XMLParser reports it separately).
        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            guard segment != nil, skipDepth == 0 else { return }
            guard let text = String(data: block, encoding: .utf8) else {
                failure = CorpusReadError("a CDATA section is not valid UTF-8", line: parser.lineNumber)
                parser.abortParsing()
                return
            }
            append(text, parser)
        }
    }
}
