/// Glues the subword tokens of a word into one alignment unit (§1.4), keyed by token id.
///
/// Two boundary rules:
/// - `.decodedText` (default): token i+1 continues the word of token i when their spans in the *original text*
///   touch and the characters on both sides of the join are letters (or combining marks), or when the spans
///   overlap (byte-level pieces of one character). Works the same for `▁`, `Ġ` and `##` vocabularies and for
///   any script (fixes pitfalls 3 and 4: WordPiece never merging, `\p{L}` tested on byte-level mojibake).
/// - `.paperRegex`: the reference regex on piece strings, exactly: glue when the left piece ends with a letter
///   (`\p{L}`, not the start of P1), the right piece does not start with P1, and starts with P2 + a letter.
public enum WordBoundaryRule: Sendable, Equatable {
    case decodedText
    case paperRegex(wordStart: String, continuation: String)
}

public struct WordUnitSplitter: Sendable {
    public let vocabulary: any TokenVocabulary
    public let rule: WordBoundaryRule

    public init(vocabulary: any TokenVocabulary, rule: WordBoundaryRule) {
        self.vocabulary = vocabulary
        self.rule = rule
    }

    /// Word units of `text` (leading/trailing whitespace stripped first, like the reference's `strip()`).
    public func units(of text: String) -> [[Int]] {
        let stripped = text.trimmingWhitespace()
        let encoded = vocabulary.encodeForTransfer(stripped)
        switch rule {
        case .decodedText:
            let scalars = Array(stripped.unicodeScalars) // once per text, not once per join
            return glue(encoded.ids) { i in
                Self.continuesWord(scalars, encoded.offsets[i - 1], encoded.offsets[i])
            }
        case let .paperRegex(p1, p2):
            let pieces = encoded.ids.map { vocabulary.piece(for: $0) ?? "" }
            return glue(encoded.ids) { i in Self.regexGlues(pieces[i - 1], pieces[i], p1, p2) }
        }
    }

    private func glue(_ ids: [Int], _ continues: (Int) -> Bool) -> [[Int]] {
        var out: [[Int]] = []
        for (i, id) in ids.enumerated() {
            if i > 0, !out.isEmpty, continues(i) { out[out.count - 1].append(id) } else { out.append([id]) }
        }
        return out
    }

    static func continuesWord(_ scalars: [Unicode.Scalar], _ left: Range<Int>, _ right: Range<Int>) -> Bool {
        if right.lowerBound < left.upperBound, !left.isEmpty, !right.isEmpty { return true } // one character split
        guard right.lowerBound == left.upperBound, !left.isEmpty, !right.isEmpty,
            left.upperBound - 1 < scalars.count, right.lowerBound < scalars.count
        else { return false }
        return isWordScalar(scalars[left.upperBound - 1]) && isWordScalar(scalars[right.lowerBound])
    }

    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark:
            return true
        default:
            return false
        }
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `(?!P1)(\p{L})[ ](?!P1)(?=P2\p{L})` evaluated at the join of two pieces.
    static func regexGlues(_ left: String, _ right: String, _ p1: String, _ p2: String) -> Bool {
        guard let last = left.unicodeScalars.last, isLetter(last) else { return false }
        if p1.isEmpty { return false } // `(?!)` never matches: the reference never merges (pitfall 3)
        if (String(last) + " " + right).hasScalarPrefix(p1) { return false }
        if right.hasScalarPrefix(p1) { return false }
        guard right.hasScalarPrefix(p2) else { return false }
        guard let next = right.unicodeScalars.dropFirst(p2.unicodeScalars.count).first else { return false }
        return isLetter(next)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? start
        return String(scalars[start...end])
    }
}
