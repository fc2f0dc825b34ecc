import Engine

/// Why a corpus file was rejected, with the 1-based line where it went wrong (nil when not line-specific).
struct CorpusParseError: Error, Equatable, CustomStringConvertible, CorpusContentError {
    var reason: String
    var line: Int?

    init(_ reason: String, line: Int? = nil) {
        self.reason = reason
        self.line = line
    }

    var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}

/// Limits that keep one bad file from hurting the daemon; anything beyond them rejects the file.
struct CorpusLimits: Sendable {
    var maxFileBytes = 2 << 30
    var maxLineBytes = 100_000
    var maxSentenceBytes = 10_000
}

extension CorpusParseError {
    /// The reader's error in the daemon's words: a problem in the target file of a Moses pair says so.
    init(_ error: CorpusReadError) {
        self.init(error.side == .target ? "target file: \(error.reason)" : error.reason, line: error.line)
    }
}
