import Foundation

/// Reads parallel text into a `ParallelCorpus` of whitespace tokens for the aligners: any `ParallelTextInput`
/// (fast_align's `source ||| target`, TSV, JSON Lines, TMX, or two line-parallel files; plain or gzip-compressed),
/// read by `ParallelTextReader`, the reader the daemon's watched folders use too.
///
/// Parsing decisions (deliberate, documented differences from fast_align's `Dict::ConvertWhitespaceDelimitedLine`):
/// - Tokens are separated by runs of ASCII spaces or tabs (or line feeds, inside a JSON string or a TMX segment); a
///   trailing `\r` is dropped. Other Unicode spaces (NBSP …)
///   stay inside tokens, as in fast_align.
/// - In the fast_align format the separator is the whitespace-delimited token `|||`. Unlike fast_align, a tab is
///   *not* a separator: a tab-separated two-column file is rejected with `missingSeparator` instead of being read
///   (name it `.tsv`, or pass `--format tsv`). A second `|||` on a line is an error (fast_align would silently treat
///   it as a target word).
/// - A UTF-8 byte order mark at the start of a file is not part of the first token. Invalid UTF-8 is decoded with
///   replacement characters; a line longer than `maxLineBytes` is an error naming the line.
/// - An empty side is a warning, not an error: the pair is kept (line numbering), skipped in training and unlinked.
///   fast_align prints "Error in line" and trains on it anyway, producing NaN. A blank line of a TSV or JSON Lines
///   file is such a pair (the daemon skips them).
/// - A side longer than `maxTokens` is an error naming the line (or, with `skipOverlong`, a warning and an
///   emptied pair), never silently truncated.
public struct CorpusReader: Sendable {
    public var lowercase: Bool
    public var maxTokens: Int
    public var skipOverlong: Bool
    /// A line longer than this is an error (a file without newlines must not be read into memory whole).
    public var maxLineBytes = 16 << 20
    /// The languages a TMX file is read for.
    public var sourceLanguage: String?
    public var targetLanguage: String?

    public init(lowercase: Bool = false, maxTokens: Int = 1024, skipOverlong: Bool = false) {
        self.lowercase = lowercase
        self.maxTokens = maxTokens
        self.skipOverlong = skipOverlong
    }

    /// `source ||| target` per line.
    public func read(bitext path: String) throws -> ParallelCorpus {
        try read(.file(path: path, format: .fastAlign))
    }

    /// Two line-parallel files.
    public func read(source sourcePath: String, target targetPath: String) throws -> ParallelCorpus {
        try read(.lineParallel(source: sourcePath, target: targetPath))
    }

    /// Any input. Errors are `AlignmentError`s naming the file and the line.
    public func read(_ input: ParallelTextInput) throws -> ParallelCorpus {
        if let problem = input.problem(sourceLanguage: sourceLanguage, targetLanguage: targetLanguage) {
            throw AlignmentError.invalidArgument(problem)
        }
        var corpus = ParallelCorpus()
        let (sourcePath, targetPath) = input.paths
        do {
            try input.read(maxLineBytes: maxLineBytes, sourceLanguage: sourceLanguage, targetLanguage: targetLanguage) {
                text in
                let st = tokenize(text.source), tt = tokenize(text.target)
                if st.count > maxTokens || tt.count > maxTokens {
                    let (path, tokens) = st.count > maxTokens ? (sourcePath, st.count) : (targetPath, tt.count)
                    if !skipOverlong {
                        throw AlignmentError.sentenceTooLong(
                            path: path, line: text.line,
                            tokens: sourcePath == targetPath ? max(st.count, tt.count) : tokens,
                            limit: maxTokens)
                    }
                    corpus.append(source: [String](), target: [String](), line: text.line, path: path)
                    corpus.warnings[corpus.warnings.count - 1] = CorpusWarning(
                        path: path, line: text.line, kind: .tooLong)
                    return
                }
                corpus.append(source: st, target: tt, line: text.line, path: st.isEmpty ? sourcePath : targetPath)
            }
        } catch let error as CorpusReadError {
            throw Self.alignmentError(error, input)
        }
        return corpus
    }

    /// The reader's error in the aligners' words (naming the file).
    static func alignmentError(_ error: CorpusReadError, _ input: ParallelTextInput) -> AlignmentError {
        let path = error.path ?? (error.side == .target ? input.paths.target : input.paths.source)
        switch error.kind {
        case .missingSeparator: return .missingSeparator(path: path, line: error.line ?? 0)
        case .lineCounts(let sourceLines, let targetLines):
            return .lineCountMismatch(
                sourcePath: input.paths.source, sourceLines: sourceLines, targetPath: input.paths.target,
                targetLines: targetLines)
        case .other:
            if let line = error.line { return .malformedLine(path: path, line: line, reason: error.reason) }
            return .cannotRead(path: path, reason: error.reason)
        }
    }

    /// Splits on ASCII space, tab and line feed (which only a JSON Lines string or a TMX segment can hold); drops a
    /// trailing CR.
    public func tokenize(_ line: String) -> [String] {
        var tokens: [String] = []
        var utf8 = Array(line.utf8)
        if utf8.last == 13 { utf8.removeLast() }
        var start = -1
        for i in 0...utf8.count {
            let isSpace = i == utf8.count || utf8[i] == 32 || utf8[i] == 9 || utf8[i] == 10
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
