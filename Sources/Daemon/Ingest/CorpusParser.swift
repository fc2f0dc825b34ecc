import Engine
import Foundation
import Hashing
import Store

/// Parses one corpus file (or Moses pair) into normalised, hashed pairs, streaming: the file is read by the reader
/// the CLI uses too (`Engine.ParallelTextReader`: fixed-size chunks, gzip inflated on the fly) and each pair is
/// handed to `emit` as soon as it is read, so memory does not grow with the file. The first problem stops the parse with its line; the caller makes
/// that reject the whole file, so a file is never half-applied.
struct CorpusParser: Sendable {
    var limits = CorpusLimits()

    /// The reader every format goes through (`Engine.ParallelTextReader`), with the daemon's bounds: regular files
    /// only, strict UTF-8, `limits`.
    func reader(sourceLanguage: String? = nil, targetLanguage: String? = nil) -> ParallelTextReader {
        ParallelTextReader(
            maxLineBytes: limits.maxLineBytes, maxFileBytes: limits.maxFileBytes, strict: true, regularFileOnly: true,
            sourceLanguage: sourceLanguage, targetLanguage: targetLanguage)
    }

    /// Opens a corpus file (a regular file, checked with `fstat` on the opened descriptor before a byte is read:
    /// a FIFO, a device or a socket put in place after the caller's checks is refused, never read).
    func open(path: String) throws(CorpusParseError) -> CorpusByteStream {
        do { return try reader().open(path) } catch { throw CorpusParseError(error) }
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

    /// The lines of a monolingual text file, validated like a corpus file's (binary content, invalid UTF-8 and
    /// over-long lines are errors).
    func textLines(path: String) throws(CorpusParseError) -> [String] {
        let lines = reader().lines(try open(path: path))
        var text: [String] = []
        do {
            while let line = try lines.next() { text.append(line) }
        } catch { throw CorpusParseError(error) }
        return text
    }

    /// Streams the pairs of `primary` (and, for `moses`, of `partner`: the target side) to `emit`, normalised and
    /// hashed. `emit` may throw (e.g. a store error), which ends the parse with that error.
    ///
    /// Blank lines are skipped (a line-parallel pair's must be blank on both sides); an empty side is otherwise an
    /// error, as is a sentence over `limits.maxSentenceBytes`. For `moses`, a line that is not text (binary, invalid
    /// UTF-8, too long) is reported first; then differing line counts (which make every later pair wrong, so they
    /// explain a pair error better than its line does); then the first pair error.
    func parse(
        _ format: CorpusFormat, _ primary: CorpusByteStream, partner: CorpusByteStream? = nil,
        sourceLanguage: String? = nil, targetLanguage: String? = nil, emit: (IngestedPair) throws -> Void
    ) throws {
        let reader = reader(sourceLanguage: sourceLanguage, targetLanguage: targetLanguage)
        do {
            try reader.read(format, primary, partner: partner) { text in
                if format != .tmx {
                    let sourceBlank = ParallelTextReader.isBlank(text.source)
                    let targetBlank = ParallelTextReader.isBlank(text.target)
                    if sourceBlank && targetBlank { return }
                    if format == .moses && sourceBlank != targetBlank {
                        throw CorpusParseError("blank on one side only", line: text.line)
                    }
                }
                try emit(try makePair(text.source, text.target, line: text.line))
            }
        } catch let error as CorpusReadError { throw CorpusParseError(error) }
    }

    // MARK: Whole-content forms (tests; small inputs).

    func parseTSV(_ data: Data) throws(CorpusParseError) -> [IngestedPair] {
        try collect { emit in try parse(.tsv, CorpusByteStream(data: data), emit: emit) }
    }

    func parseJSONLines(_ data: Data) throws(CorpusParseError) -> [IngestedPair] {
        try collect { emit in try parse(.jsonLines, CorpusByteStream(data: data), emit: emit) }
    }

    func parseMoses(source: Data, target: Data) throws(CorpusParseError) -> [IngestedPair] {
        try collect { emit in
            try parse(.moses, CorpusByteStream(data: source), partner: CorpusByteStream(data: target), emit: emit)
        }
    }

    func parseTMX(_ data: Data, sourceLanguage: String, targetLanguage: String) throws(CorpusParseError)
        -> [IngestedPair]
    {
        try collect { emit in
            try parse(
                .tmx, CorpusByteStream(data: data), sourceLanguage: sourceLanguage, targetLanguage: targetLanguage,
                emit: emit)
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
