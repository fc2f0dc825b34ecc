import Foundation

/// The text of one side of a pair as stored and aligned: NFC, whitespace runs collapsed to one space, trimmed.
enum SentenceNormalizer {
    static func normalize(_ text: String) -> String {
        // Text whose scalars are all below U+0300 is already NFC (every such code point has NFC_Quick_Check=Yes and
        // none composes with a following one), which covers ASCII and most Latin text: the Foundation call is
        // then skipped. Whitespace (Unicode White_Space) is tested by byte for ASCII.
        let nfc = isBelowCombiningMarks(text) ? text : text.precomposedStringWithCanonicalMapping
        var out = ""
        out.reserveCapacity(nfc.utf8.count)
        var pendingSpace = false
        for scalar in nfc.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// True when every scalar is below U+0300 (UTF-8 lead bytes below 0xCC).
    static func isBelowCombiningMarks(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes in bytes.allSatisfy { $0 < 0xCC } }
    }

    @inline(__always) static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }
}
