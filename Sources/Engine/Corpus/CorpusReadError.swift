/// Why a corpus file could not be read: the reason and, when it concerns one line, its 1-based number.
/// Messages never quote the file's content.
public struct CorpusReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var line: Int?

    public init(_ reason: String, line: Int? = nil) {
        self.reason = reason
        self.line = line
    }

    public var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}
