/// Typed errors of the transfer code.
public enum TransferError: Error, Equatable, CustomStringConvertible {
    /// No private-use code point in U+E000…U+F8FF is free in both vocabularies (needed as a word separator).
    case noFreeSeparator
    case malformedLexicalTable(line: Int, reason: String)
    case shapeMismatch(String)
    case sourceIDOutOfRange(targetID: Int, sourceID: Int, sourceRows: Int)
    case malformedMapping(String)
    case unknownToken(String)

    public var description: String {
        switch self {
        case .noFreeSeparator: "no private-use code point is free in both vocabularies"
        case let .malformedLexicalTable(line, reason): "lexical table line \(line): \(reason)"
        case let .shapeMismatch(what): "shape mismatch: \(what)"
        case let .sourceIDOutOfRange(t, s, rows): "target \(t) maps to source id \(s) but the source has \(rows) rows"
        case let .malformedMapping(what): "malformed token mapping: \(what)"
        case let .unknownToken(token): "unknown token \(token)"
        }
    }
}
