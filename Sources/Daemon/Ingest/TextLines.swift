import Foundation

/// Splits a file's bytes into validated UTF-8 lines ('\n'; a trailing '\r' is dropped), with 1-based numbers.
/// Rejects binary content (NUL bytes), invalid UTF-8 and over-long lines, naming the line.
enum TextLines {
    static func split(_ data: Data, limits: CorpusLimits) throws(CorpusParseError) -> [(number: Int, text: String)] {
        var lines: [(Int, String)] = []
        var failure: CorpusParseError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var number = 0
            // A UTF-8 byte order mark at the very start is not content.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
            while start < bytes.count {
                number += 1
                var end = start
                while end < bytes.count, bytes[end] != 0x0A {
                    if bytes[end] == 0 {
                        failure = CorpusParseError("binary data (NUL byte); is this a text file?", line: number)
                        return
                    }
                    end += 1
                }
                var lineEnd = end
                if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd - start > limits.maxLineBytes {
                    failure = CorpusParseError("line longer than \(limits.maxLineBytes) bytes", line: number)
                    return
                }
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<lineEnd])
                guard let text = String(validating: slice, as: UTF8.self) else {
                    failure = CorpusParseError("invalid UTF-8", line: number)
                    return
                }
                lines.append((number, text))
                start = end + 1
            }
        }
        if let failure { throw failure }
        return lines
    }
}

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
