/// Lookups in `UnicodeMarkTables` (generated): the marks Hugging Face `tokenizers` strips and the punctuation its BERT
/// pre-tokenizer splits on, at the Unicode versions of its Rust crates, so that text with characters newer than those
/// versions (or whose category changed since) is handled as the reference handles it.
enum UnicodeMarks {
    /// BertNormalizer `strip_accents`: General_Category Mn of `UnicodeMarkTables.bertUnicodeVersion`.
    @inline(__always) static func isBertNonspacingMark(_ v: UInt32) -> Bool {
        v < 0x10000 ? bertBMP.contains(v) : contains(UnicodeMarkTables.bertNonspacingMarks, v)
    }

    /// StripAccents: Mn, Mc and Me of `UnicodeMarkTables.stripAccentsUnicodeVersion`.
    @inline(__always) static func isCombiningMark(_ v: UInt32) -> Bool {
        v < 0x10000 ? combiningBMP.contains(v) : contains(UnicodeMarkTables.combiningMarks, v)
    }

    /// BertPreTokenizer and Punctuation: ASCII punctuation and P* of `UnicodeMarkTables.punctuationUnicodeVersion`.
    @inline(__always) static func isBertPunctuation(_ v: UInt32) -> Bool {
        v < 0x10000 ? punctuationBMP.contains(v) : contains(UnicodeMarkTables.bertPunctuation, v)
    }

    private static let punctuationBMP = BMPBitSet(UnicodeMarkTables.bertPunctuation)
    private static let bertBMP = BMPBitSet(UnicodeMarkTables.bertNonspacingMarks)
    private static let combiningBMP = BMPBitSet(UnicodeMarkTables.combiningMarks)

    /// Binary search over sorted, disjoint ranges.
    static func contains(_ ranges: [ClosedRange<UInt32>], _ v: UInt32) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < v { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].contains(v)
    }
}

/// One bit per Basic Multilingual Plane scalar (8 KiB).
struct BMPBitSet: Sendable {
    private var words = [UInt64](repeating: 0, count: 0x10000 / 64)

    init(_ ranges: [ClosedRange<UInt32>]) {
        for range in ranges where range.lowerBound < 0x10000 {
            for v in range.lowerBound...min(range.upperBound, 0xFFFF) { words[Int(v >> 6)] |= 1 << UInt64(v & 63) }
        }
    }

    @inline(__always) func contains(_ v: UInt32) -> Bool { words[Int(v >> 6)] & (1 << UInt64(v & 63)) != 0 }
}
