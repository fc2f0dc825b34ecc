import Foundation

/// Errors raised by the aligners and their input readers. Input errors name the file and 1-based line.
public enum AlignmentError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case missingSeparator(path: String, line: Int)
    case malformedLine(path: String, line: Int, reason: String)
    case lineCountMismatch(sourcePath: String, sourceLines: Int, targetPath: String, targetLines: Int)
    case sentenceTooLong(path: String, line: Int, tokens: Int, limit: Int)
    case malformedLink(path: String, line: Int, token: String)
    case linkOutOfRange(line: Int, link: String, sourceLength: Int, targetLength: Int)
    case emptyCorpus(path: String)
    case invalidState(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason): return "\(path): cannot read (\(reason))"
        case let .missingSeparator(path, line): return "\(path):\(line): no ' ||| ' separator between source and target"
        case let .malformedLine(path, line, reason): return "\(path):\(line): \(reason)"
        case let .lineCountMismatch(sp, sl, tp, tl):
            return "parallel files differ in length: \(sp) has \(sl) lines, \(tp) has \(tl)"
        case let .sentenceTooLong(path, line, tokens, limit):
            return "\(path):\(line): \(tokens) tokens, more than the limit of \(limit)"
        case let .malformedLink(path, line, token):
            return "\(path):\(line): malformed link '\(token)' (expected i-j or i?j)"
        case let .linkOutOfRange(line, link, n, m):
            return "line \(line): link \(link) outside a sentence pair of \(n)×\(m) tokens"
        case let .emptyCorpus(path): return "\(path): no sentence pairs"
        case let .invalidState(reason): return "invalid aligner state: \(reason)"
        case let .invalidArgument(reason): return reason
        }
    }
}

/// A problem in the input that does not stop alignment (the line is kept, aligned to nothing).
public struct CorpusWarning: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable { case emptySource, emptyTarget, emptyBoth, tooLong }
    public let path: String
    public let line: Int
    public let kind: Kind

    public var description: String {
        let what: String
        switch kind {
        case .emptySource: what = "empty source side"
        case .emptyTarget: what = "empty target side"
        case .emptyBoth: what = "empty sentence pair"
        case .tooLong: what = "over-long sentence"
        }
        return "\(path):\(line): \(what); the pair is skipped in training and gets no links"
    }
}
