/// Renders word units (token-id sequences) as whitespace-free strings for the aligner, and reads them back.
///
/// Paper mode joins pieces with `—` (U+2014) and splits on it, exactly like the reference (pitfall 5: that
/// character is a real token in many vocabularies). The default picks the first two private-use code points
/// (U+E000…U+F8FF) that occur in neither vocabulary: one separates pieces, the other replaces whitespace inside a
/// piece (pitfall 6: added tokens and user symbols may contain spaces, which the aligner would split on). A
/// `WordUnitLexicon` remembers every rendered unit, so reading back is exact and keyed by id.
public struct WordUnitCodec: Sendable, Equatable {
    public let separator: Character
    /// Stands for whitespace inside a piece (nil in paper mode: pieces are written as they are).
    public let whitespaceEscape: Character?

    public static let paperSeparator: Character = "\u{2014}"

    public static var paper: WordUnitCodec { WordUnitCodec(separator: paperSeparator, whitespaceEscape: nil) }

    init(separator: Character, whitespaceEscape: Character?) {
        self.separator = separator
        self.whitespaceEscape = whitespaceEscape
    }

    /// The default codec: two private-use code points checked against the pieces of both vocabularies.
    public static func privateUse(_ vocabularies: [any TokenVocabulary]) throws(TransferError) -> WordUnitCodec {
        var used = Set<UInt32>()
        for vocabulary in vocabularies {
            for id in 0..<vocabulary.vocabularySize {
                guard let piece = vocabulary.piece(for: id) else { continue }
                for s in piece.unicodeScalars where (0xE000...0xF8FF).contains(s.value) { used.insert(s.value) }
            }
        }
        var free: [Character] = []
        for value in UInt32(0xE000)...0xF8FF where !used.contains(value) {
            if let scalar = Unicode.Scalar(value) { free.append(Character(scalar)) }
            if free.count == 2 { break }
        }
        guard free.count == 2 else { throw .noFreeSeparator }
        return WordUnitCodec(separator: free[0], whitespaceEscape: free[1])
    }

    public func render(_ ids: [Int], in vocabulary: any TokenVocabulary) -> String {
        var out = ""
        for (i, id) in ids.enumerated() {
            if i > 0 { out.append(separator) }
            let piece = vocabulary.piece(for: id) ?? "<\(id)>"
            if let escape = whitespaceEscape {
                for s in piece.unicodeScalars {
                    if s.properties.isWhitespace { out.append(escape) } else { out.unicodeScalars.append(s) }
                }
            } else {
                out += piece
            }
        }
        if let escape = whitespaceEscape, out == "|||" { out = String(escape) + out } // fast_align's separator
        return out
    }

    /// Splits a rendered unit back into pieces, resolved to ids (nil for a piece not in the vocabulary).
    public func parse(_ unit: String, in vocabulary: any TokenVocabulary) -> [Int?] {
        unit.split(separator: separator, omittingEmptySubsequences: false).map { vocabulary.id(forPiece: String($0)) }
    }
}

/// Rendered unit → token ids, filled while the aligner corpus is written (one per side).
public struct WordUnitLexicon: Sendable {
    public private(set) var units: [String: [Int]] = [:]
    public init() {}

    public mutating func record(_ rendered: String, _ ids: [Int]) {
        if units[rendered] == nil { units[rendered] = ids }
    }

    public subscript(rendered: String) -> [Int]? { units[rendered] }
}
