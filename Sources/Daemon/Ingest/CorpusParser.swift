import Engine
import Foundation
import Hashing
import Store

/// Parses one corpus file (or Moses pair) into normalised, hashed pairs, streaming: the file is read in fixed-size
/// chunks (`Engine.CorpusByteStream`, gzip inflated on the fly) and each pair is handed to `emit` as soon as it is
/// read, so memory does not grow with the file. The first problem stops the parse with its line; the caller makes
/// that reject the whole file, so a file is never half-applied.
struct CorpusParser: Sendable {
    var limits = CorpusLimits()

    /// Opens a corpus file (a regular file, checked with `fstat` on the opened descriptor before a byte is read:
    /// a FIFO, a device or a socket put in place after the caller's checks is refused, never read).
    func open(path: String) throws(CorpusParseError) -> CorpusByteStream {
        do { return try CorpusByteStream(path: path, maxBytes: limits.maxFileBytes) } catch {
            throw CorpusParseError(error)
        }
    }

    /// The validated text lines of a stream (binary content, invalid UTF-8 and over-long lines are errors).
    func lines(_ stream: CorpusByteStream) -> CorpusLineReader {
        CorpusLineReader(stream: stream, maxLineBytes: limits.maxLineBytes, strict: true)
    }

    /// A whole (decompressed) file: only for inputs known to be small (tests); corpus files are streamed.
    func read(path: String) throws(CorpusParseError) -> Data {
        let stream = try open(path: path)
        var data = Data()
        do {
            while let chunk = try stream.next() { data.append(contentsOf: chunk) }
        } catch { throw CorpusParseError(error) }
        return data
    }

    // MARK: Streaming parsers. `emit` may throw (e.g. a store error), which ends the parse with that error.

    func parseTSV(_ lines: CorpusLineReader, emit: (IngestedPair) throws -> Void) throws {
        while let text = try next(lines) {
            guard !isBlank(text) else { continue }
            let number = lines.lineNumber
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw CorpusParseError(
                    "expected 2 tab-separated fields (source, target), found \(fields.count)", line: number)
            }
            try emit(try makePair(String(fields[0]), String(fields[1]), line: number))
        }
    }

    func parseJSONLines(_ lines: CorpusLineReader, emit: (IngestedPair) throws -> Void) throws {
        struct Line: Decodable {
            var src: String
            var tgt: String
        }
        let decoder = JSONDecoder()
        while let text = try next(lines) {
            guard !isBlank(text) else { continue }
            let number = lines.lineNumber
            let line: Line
            do { line = try decoder.decode(Line.self, from: Data(text.utf8)) } catch {
                throw CorpusParseError("not a JSON object with string fields \"src\" and \"tgt\"", line: number)
            }
            try emit(try makePair(line.src, line.tgt, line: number))
        }
    }

    /// Moses: line i of the source file pairs with line i of the target file; both must have the same number of
    /// lines, and a line blank on one side must be blank on the other. The two files are read in step. A line that
    /// is not text (binary, invalid UTF-8, too long) is reported first; then differing line counts (which make
    /// every later pair wrong, so they explain a pair error better than its line does); then the first pair error.
    func parseMoses(source: CorpusLineReader, target: CorpusLineReader, emit: (IngestedPair) throws -> Void) throws {
        var pairError: CorpusParseError?
        func nextTarget() throws(CorpusParseError) -> String? {
            do { return try target.next() } catch {
                throw CorpusParseError("target file: \(error.reason)", line: error.line)
            }
        }
        while true {
            let s = try next(source)
            let t = try nextTarget()
            guard let s, let t else {
                if s == nil, t == nil { break }
                // One side ended: count the rest of the other for the message.
                let sourceLines = s == nil ? source.lineNumber : source.lineNumber + (try rest(source))
                let targetLines: Int
                if t == nil {
                    targetLines = target.lineNumber
                } else {
                    do { targetLines = target.lineNumber + (try target.skipToEnd()) } catch {
                        throw CorpusParseError("target file: \(error.reason)", line: error.line)
                    }
                }
                throw CorpusParseError("line counts differ: source has \(sourceLines), target has \(targetLines)")
            }
            guard pairError == nil else { continue } // still reading on, for the line counts
            switch (isBlank(s), isBlank(t)) {
            case (true, true): continue
            case (false, false):
                do { try emit(try makePair(s, t, line: source.lineNumber)) } catch let error as CorpusParseError {
                    pairError = error
                }
            default: pairError = CorpusParseError("blank on one side only", line: source.lineNumber)
            }
        }
        if let pairError { throw pairError }
    }

    /// TMX: one pair per translation unit that has both languages (TMX is multilingual), at the unit's line.
    func parseTMX(
        _ stream: CorpusByteStream, sourceLanguage: String, targetLanguage: String, emit: (IngestedPair) throws -> Void
    ) throws {
        try withoutActuallyEscaping(emit) { emit in
            try TMXReader.read(stream, maxUnitBytes: limits.maxLineBytes) { unit in
                guard let source = unit.segment(for: sourceLanguage), let target = unit.segment(for: targetLanguage)
                else {
                    return
                }
                try emit(try makePair(source, target, line: unit.line))
            }
        }
    }

    // MARK: Whole-content forms (tests; small inputs).

    func parseTSV(_ data: Data) throws(CorpusParseError) -> [IngestedPair] {
        try collect { emit in try parseTSV(lines(CorpusByteStream(data: data)), emit: emit) }
    }

    func parseJSONLines(_ data: Data) throws(CorpusParseError) -> [IngestedPair] {
        try collect { emit in try parseJSONLines(lines(CorpusByteStream(data: data)), emit: emit) }
    }

    func parseMoses(source: Data, target: Data) throws(CorpusParseError) -> [IngestedPair] {
        try collect { emit in
            try parseMoses(
                source: lines(CorpusByteStream(data: source)), target: lines(CorpusByteStream(data: target)), emit: emit
            )
        }
    }

    func parseTMX(_ data: Data, sourceLanguage: String, targetLanguage: String) throws(CorpusParseError)
        -> [IngestedPair]
    {
        try collect { emit in
            try parseTMX(
                CorpusByteStream(data: data), sourceLanguage: sourceLanguage, targetLanguage: targetLanguage, emit: emit
            )
        }
    }

    private func collect(_ parse: ((IngestedPair) throws -> Void) throws -> Void) throws(CorpusParseError)
        -> [IngestedPair]
    {
        var pairs: [IngestedPair] = []
        do { try parse { pairs.append($0) } } catch let error as CorpusParseError { throw error } catch {
            throw CorpusParseError("\(error)")
        }
        return pairs
    }

    // MARK: Pieces

    private func next(_ lines: CorpusLineReader) throws(CorpusParseError) -> String? {
        do { return try lines.next() } catch { throw CorpusParseError(error) }
    }

    private func rest(_ lines: CorpusLineReader) throws(CorpusParseError) -> Int {
        do { return try lines.skipToEnd() } catch { throw CorpusParseError(error) }
    }

    private func isBlank(_ text: String) -> Bool { text.unicodeScalars.allSatisfy(\.properties.isWhitespace) }

    func makePair(_ rawSource: String, _ rawTarget: String, line: Int) throws(CorpusParseError) -> IngestedPair {
        let source = SentenceNormalizer.normalize(rawSource)
        let target = SentenceNormalizer.normalize(rawTarget)
        guard !source.isEmpty else { throw CorpusParseError("empty source sentence", line: line) }
        guard !target.isEmpty else { throw CorpusParseError("empty target sentence", line: line) }
        guard source.utf8.count <= limits.maxSentenceBytes, target.utf8.count <= limits.maxSentenceBytes else {
            throw CorpusParseError("sentence longer than \(limits.maxSentenceBytes) bytes", line: line)
        }
        return IngestedPair(
            source: source, target: target, contentHash: Digest.sha256Hex(source + "\u{1F}" + target), line: line)
    }
}
