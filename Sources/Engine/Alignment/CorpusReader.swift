import Foundation

/// Reads parallel text: fast_align's single-file `source ||| target` format or two line-parallel files.
///
/// Parsing decisions (deliberate, documented differences from fast_align's `Dict::ConvertWhitespaceDelimitedLine`):
/// - Tokens are separated by runs of ASCII spaces or tabs; a trailing `\r` is dropped. Other Unicode spaces (NBSP …)
///   stay inside tokens, as in fast_align.
/// - In the single-file format the separator is the whitespace-delimited token `|||`. Unlike fast_align, a tab is
///   *not* a separator: a tab-separated two-column file is rejected with `missingSeparator` instead of being read.
///   A second `|||` on a line is an error (fast_align would silently treat it as a target word).
/// - An empty side is a warning, not an error: the pair is kept (line numbering), skipped in training and unlinked.
///   fast_align prints "Error in line" and trains on it anyway, producing NaN.
/// - A side longer than `maxTokens` is an error naming the line (or, with `skipOverlong`, a warning and an
///   emptied pair), never silently truncated.
public struct CorpusReader: Sendable {
    public var lowercase: Bool
    public var maxTokens: Int
    public var skipOverlong: Bool

    public init(lowercase: Bool = false, maxTokens: Int = 1024, skipOverlong: Bool = false) {
        self.lowercase = lowercase
        self.maxTokens = maxTokens
        self.skipOverlong = skipOverlong
    }

    /// `source ||| target` per line.
    public func read(bitext path: String) throws -> ParallelCorpus {
        var corpus = ParallelCorpus()
        let reader = try LineReader(path: path)
        var lineNumber = 0
        while let line = reader.next() {
            lineNumber += 1
            let tokens = tokenize(line)
            var separator: Int? = nil
            for (i, t) in tokens.enumerated() where t == "|||" {
                if separator != nil { throw AlignmentError.malformedLine(path: path, line: lineNumber, reason: "more than one ' ||| ' separator") }
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
        let src = try LineReader(path: sourcePath)
        let tgt = try LineReader(path: targetPath)
        var lineNumber = 0
        while true {
            let s = src.next()
            let t = tgt.next()
            if s == nil && t == nil { break }
            lineNumber += 1
            guard let s, let t else {
                // Count the rest of the longer file for the message.
                var rest = 0
                let longer = s == nil ? tgt : src
                while longer.next() != nil { rest += 1 }
                let sl = s == nil ? lineNumber - 1 : lineNumber + rest
                let tl = t == nil ? lineNumber - 1 : lineNumber + rest
                throw AlignmentError.lineCountMismatch(sourcePath: sourcePath, sourceLines: sl, targetPath: targetPath, targetLines: tl)
            }
            let st = tokenize(s), tt = tokenize(t)
            if st.count > maxTokens || tt.count > maxTokens {
                let (p, n) = st.count > maxTokens ? (sourcePath, st.count) : (targetPath, tt.count)
                if !skipOverlong { throw AlignmentError.sentenceTooLong(path: p, line: lineNumber, tokens: n, limit: maxTokens) }
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
            if !skipOverlong { throw AlignmentError.sentenceTooLong(path: path, line: line, tokens: max(s.count, t.count), limit: maxTokens) }
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

/// Streams the lines of a file (getline), without the newline.
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
