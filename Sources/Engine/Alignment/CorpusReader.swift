import Foundation

/// Reads parallel text: fast_align's single-file `source ||| target` format or two line-parallel files, plain or
/// gzip-compressed, streamed through `CorpusLineReader` (the reader the daemon's watched folders use too).
///
/// Parsing decisions (deliberate, documented differences from fast_align's `Dict::ConvertWhitespaceDelimitedLine`):
/// - Tokens are separated by runs of ASCII spaces or tabs; a trailing `\r` is dropped. Other Unicode spaces (NBSP …)
///   stay inside tokens, as in fast_align.
/// - In the single-file format the separator is the whitespace-delimited token `|||`. Unlike fast_align, a tab is
///   *not* a separator: a tab-separated two-column file is rejected with `missingSeparator` instead of being read.
///   A second `|||` on a line is an error (fast_align would silently treat it as a target word).
/// - A UTF-8 byte order mark at the start of a file is not part of the first token. Invalid UTF-8 is decoded with
///   replacement characters; a line longer than `maxLineBytes` is an error naming the line.
/// - An empty side is a warning, not an error: the pair is kept (line numbering), skipped in training and unlinked.
///   fast_align prints "Error in line" and trains on it anyway, producing NaN.
/// - A side longer than `maxTokens` is an error naming the line (or, with `skipOverlong`, a warning and an
///   emptied pair), never silently truncated.
public struct CorpusReader: Sendable {
    public var lowercase: Bool
    public var maxTokens: Int
    public var skipOverlong: Bool
    /// A line longer than this is an error (a file without newlines must not be read into memory whole).
    public var maxLineBytes = 16 << 20

    public init(lowercase: Bool = false, maxTokens: Int = 1024, skipOverlong: Bool = false) {
        self.lowercase = lowercase
        self.maxTokens = maxTokens
        self.skipOverlong = skipOverlong
    }

    /// The lines of `path` (gzip inflated). FIFOs such as `/dev/stdin` are allowed: the CLI is handed paths by its user.
    private func lines(_ path: String) throws -> CorpusLineReader {
        do {
            return CorpusLineReader(
                stream: try CorpusByteStream(path: path, regularFileOnly: false), maxLineBytes: maxLineBytes,
                strict: false)
        } catch { throw AlignmentError.cannotRead(path: path, reason: error.reason) }
    }

    private func next(_ reader: CorpusLineReader, _ path: String) throws -> String? {
        do { return try reader.next() } catch { throw Self.alignmentError(error, path) }
    }

    private static func alignmentError(_ error: CorpusReadError, _ path: String) -> AlignmentError {
        if let line = error.line { return .malformedLine(path: path, line: line, reason: error.reason) }
        return .cannotRead(path: path, reason: error.reason)
    }

    /// `source ||| target` per line.
    public func read(bitext path: String) throws -> ParallelCorpus {
        var corpus = ParallelCorpus()
        let reader = try lines(path)
        while let line = try next(reader, path) {
            let lineNumber = reader.lineNumber
            let tokens = tokenize(line)
            var separator: Int? = nil
            for (i, t) in tokens.enumerated() where t == "|||" {
                if separator != nil {
                    throw AlignmentError.malformedLine(
                        path: path, line: lineNumber, reason: "more than one ' ||| ' separator")
                }
                separator = i
            }
            guard let sep = separator else { throw AlignmentError.missingSeparator(path: path, line: lineNumber) }
            try add(Array(tokens[..<sep]), Array(tokens[(sep + 1)...]), to: &corpus, path: path, line: lineNumber)
        }
        return corpus
    }

    /// Two line-parallel files.
    public func read(source sourcePath: String, target targetPath: String) throws -> ParallelCorpus {
        var corpus = ParallelCorpus()
        let src = try lines(sourcePath)
        let tgt = try lines(targetPath)
        var lineNumber = 0
        while true {
            let s = try next(src, sourcePath)
            let t = try next(tgt, targetPath)
            if s == nil && t == nil { break }
            lineNumber += 1
            guard let s, let t else {
                // Count the rest of the longer file for the message.
                let (longer, longerPath) = s == nil ? (tgt, targetPath) : (src, sourcePath)
                let rest: Int
                do { rest = try longer.skipToEnd() } catch { throw Self.alignmentError(error, longerPath) }
                let sl = s == nil ? lineNumber - 1 : lineNumber + rest
                let tl = t == nil ? lineNumber - 1 : lineNumber + rest
                throw AlignmentError.lineCountMismatch(
                    sourcePath: sourcePath, sourceLines: sl, targetPath: targetPath, targetLines: tl)
            }
            let st = tokenize(s), tt = tokenize(t)
            if st.count > maxTokens || tt.count > maxTokens {
                let (p, n) = st.count > maxTokens ? (sourcePath, st.count) : (targetPath, tt.count)
                if !skipOverlong {
                    throw AlignmentError.sentenceTooLong(path: p, line: lineNumber, tokens: n, limit: maxTokens)
                }
                corpus.append(source: [String](), target: [String](), line: lineNumber, path: p)
                corpus.warnings[corpus.warnings.count - 1] = CorpusWarning(path: p, line: lineNumber, kind: .tooLong)
                continue
            }
            corpus.append(source: st, target: tt, line: lineNumber, path: st.isEmpty ? sourcePath : targetPath)
        }
        return corpus
    }

    private func add(_ s: [String], _ t: [String], to corpus: inout ParallelCorpus, path: String, line: Int) throws {
        if s.count > maxTokens || t.count > maxTokens {
            if !skipOverlong {
                throw AlignmentError.sentenceTooLong(
                    path: path, line: line, tokens: max(s.count, t.count), limit: maxTokens)
            }
            corpus.append(source: [String](), target: [String](), line: line, path: path)
            corpus.warnings[corpus.warnings.count - 1] = CorpusWarning(path: path, line: line, kind: .tooLong)
            return
        }
        corpus.append(source: s, target: t, line: line, path: path)
    }

    /// Splits on ASCII space and tab; drops a trailing CR.
    public func tokenize(_ line: String) -> [String] {
        var tokens: [String] = []
        var utf8 = Array(line.utf8)
        if utf8.last == 13 { utf8.removeLast() }
        var start = -1
        for i in 0...utf8.count {
            let isSpace = i == utf8.count || utf8[i] == 32 || utf8[i] == 9
            if isSpace {
                if start >= 0 {
                    let w = String(decoding: utf8[start..<i], as: UTF8.self)
                    tokens.append(lowercase ? w.lowercased() : w)
                    start = -1
                }
            } else if start < 0 {
                start = i
            }
        }
        return tokens
    }
}

/// Streams the lines of a file (getline), without the newline: for line-oriented files that are not corpora
/// (a lexical table, gold alignments). Parallel text is read with `CorpusLineReader`.
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0

    init(path: String) throws {
        guard let f = fopen(path, "r") else {
            throw AlignmentError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        file = f
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    func next() -> String? {
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else { return nil }
        var len = n
        if len > 0 && buffer[len - 1] == 10 { len -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: len) {
            String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
        }
    }
}
