/// Why parallel text could not be read: the reason and, when it concerns one line (or a TMX unit), its 1-based
/// number; for a line-parallel pair of files, which of the two it concerns; and the file's path when the reader was
/// given one. Messages never quote the file's content.
public struct CorpusReadError: Error, Equatable, Sendable, CustomStringConvertible, CorpusContentError {
    /// A problem some callers report in their own words.
    public enum Kind: Equatable, Sendable {
        case other
        /// fast_align's format: a line without the ` ||| ` token.
        case missingSeparator
        /// Two line-parallel files of different lengths (their line counts).
        case lineCounts(source: Int, target: Int)
    }

    /// Which file of a line-parallel pair (the second is the target side).
    public enum Side: Equatable, Sendable { case source, target }

    public var reason: String
    public var line: Int?
    public var kind: Kind
    /// Set for the files of a line-parallel pair (`moses`); nil for one-file formats.
    public var side: Side?
    /// The file, when the reader opened it by path.
    public var path: String?

    public init(_ reason: String, line: Int? = nil, kind: Kind = .other, side: Side? = nil, path: String? = nil) {
        self.reason = reason
        self.line = line
        self.kind = kind
        self.side = side
        self.path = path
    }

    /// `path:line: reason` (the parts that are known).
    public var description: String {
        let place = [path, line.map { path == nil ? "line \($0)" : "\($0)" }].compactMap { $0 }.joined(separator: ":")
        return place.isEmpty ? reason : "\(place): \(reason)"
    }
}

/// An error a pair's consumer throws because of the pair's content (an empty side, a sentence too long): reading a
/// line-parallel pair of files goes on to count both files' lines, and differing counts are reported in its place
/// (they make every later pair wrong, so they explain it better). Other errors (a store's) end the read at once.
public protocol CorpusContentError: Error {}
