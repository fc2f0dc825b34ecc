import Engine
import Foundation
import Hashing
import Store

/// Parses one corpus file (or Moses pair) into normalised, hashed pairs. All-or-nothing: the first problem
/// rejects the whole file with its line, so a file is never half-applied.
struct CorpusParser: Sendable {
    var limits = CorpusLimits()

    /// Reads a regular file (decompressing `.gz`), refusing oversized files. The file is opened without blocking
    /// and checked with `fstat` before a byte is read: a FIFO, a device (`/dev/zero`) or a socket put in place after
    /// the caller's checks is refused, never read.
    func read(path: String) throws(CorpusParseError) -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw CorpusParseError("unreadable: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CorpusParseError("unreadable: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CorpusParseError("not a regular file") }
        if Int64(info.st_size) > Int64(limits.maxFileBytes) { throw CorpusParseError("larger than \(limits.maxFileBytes) bytes") }
        let data: Data
        do { data = try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd() ?? Data() } catch {
            throw CorpusParseError("unreadable: \((error as NSError).localizedDescription)")
        }
        if data.count > limits.maxFileBytes { throw CorpusParseError("larger than \(limits.maxFileBytes) bytes") }
        if path.hasSuffix(".gz") || Gzip.isCompressed(data) {
            guard Gzip.isCompressed(data) else { throw CorpusParseError("named .gz but not gzip data") }
            do { return try Gzip.decompress(data, limit: limits.maxFileBytes) } catch { throw CorpusParseError(error.description) }
        }
        return data
    }

    func parseTSV(_ data: Data) throws(CorpusParseError) -> [IngestedPair] {
        var pairs: [IngestedPair] = []
        for (number, text) in try TextLines.split(data, limits: limits) where !isBlank(text) {
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw CorpusParseError("expected 2 tab-separated fields (source, target), found \(fields.count)", line: number)
            }
            pairs.append(try makePair(String(fields[0]), String(fields[1]), line: number))
        }
        return pairs
    }

    func parseJSONLines(_ data: Data) throws(CorpusParseError) -> [IngestedPair] {
        struct Line: Decodable {
            var src: String
            var tgt: String
        }
        let decoder = JSONDecoder()
        var pairs: [IngestedPair] = []
        for (number, text) in try TextLines.split(data, limits: limits) where !isBlank(text) {
            let line: Line
            do { line = try decoder.decode(Line.self, from: Data(text.utf8)) } catch {
                throw CorpusParseError("not a JSON object with string fields \"src\" and \"tgt\"", line: number)
            }
            pairs.append(try makePair(line.src, line.tgt, line: number))
        }
        return pairs
    }

    /// Moses: line i of the source file pairs with line i of the target file; both must have the same number of
    /// lines, and a line blank on one side must be blank on the other.
    func parseMoses(source: Data, target: Data) throws(CorpusParseError) -> [IngestedPair] {
        let sourceLines = try TextLines.split(source, limits: limits)
        let targetLines: [(number: Int, text: String)]
        do { targetLines = try TextLines.split(target, limits: limits) } catch {
            throw CorpusParseError("target file: \(error.reason)", line: error.line)
        }
        guard sourceLines.count == targetLines.count else {
            throw CorpusParseError("line counts differ: source has \(sourceLines.count), target has \(targetLines.count)")
        }
        var pairs: [IngestedPair] = []
        for (s, t) in zip(sourceLines, targetLines) {
            switch (isBlank(s.text), isBlank(t.text)) {
            case (true, true): continue
            case (false, false): pairs.append(try makePair(s.text, t.text, line: s.number))
            default: throw CorpusParseError("blank on one side only", line: s.number)
            }
        }
        return pairs
    }

    func parseTMX(_ data: Data, sourceLanguage: String, targetLanguage: String) throws(CorpusParseError) -> [IngestedPair] {
        let units = try TMXReader.read(data)
        var pairs: [IngestedPair] = []
        for unit in units {
            guard let source = unit.segment(for: sourceLanguage), let target = unit.segment(for: targetLanguage) else {
                continue  // a unit without both languages is not a pair for this workspace (TMX is multilingual)
            }
            pairs.append(try makePair(source, target, line: unit.line))
        }
        return pairs
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
