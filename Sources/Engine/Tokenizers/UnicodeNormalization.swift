import Foundation

/// NFC/NFD/NFKC/NFKD with alignment tracking. The text is cut into segments that normalize independently
/// (a starter and the non-starters after it); each segment is normalized with Foundation and its scalars are
/// aligned like HF's `unicode-normalization-alignments`: output i takes input i's alignment, extra outputs take
/// the alignment of the last input (inserted), and a shorter output absorbs the removed inputs.
enum UnicodeNormalForm: Sendable {
    case nfc, nfd, nfkc, nfkd

    func normalize(_ s: String) -> String {
        switch self {
        case .nfc: return s.precomposedStringWithCanonicalMapping
        case .nfd: return s.decomposedStringWithCanonicalMapping
        case .nfkc: return s.precomposedStringWithCompatibilityMapping
        case .nfkd: return s.decomposedStringWithCompatibilityMapping
        }
    }

    /// Whether `v` starts a new segment: combining class 0 and not a Hangul vowel/trailing jamo that composes
    /// with what precedes it.
    @inline(__always) static func isSegmentStart(_ v: UInt32) -> Bool {
        if v < 0x300 { return true }
        if (0x1161...0x1175).contains(v) || (0x11A8...0x11C2).contains(v) { return false }
        guard let s = Unicode.Scalar(v) else { return true }
        return s.properties.canonicalCombiningClass.rawValue == 0 && !composesWithPrevious(v)
    }

    /// Starters that can be the second half of a canonical composition (a short list from UnicodeData:
    /// Indic two-part vowels, Hangul handled above).
    static func composesWithPrevious(_ v: UInt32) -> Bool {
        switch v {
        case 0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0C56, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
            0x0DCF, 0x0DDF, 0x102E, 0x1B35, 0x110BA, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF:
            return true
        default:
            return false
        }
    }

    /// Decompositions of single BMP scalars (NFD/NFKD only; a lone scalar's decomposition is already in
    /// canonical order), built once on first use instead of a Foundation call per character.
    private var singleScalarTable: DecompositionTable? {
        switch self {
        case .nfd: return DecompositionTable.nfd
        case .nfkd: return DecompositionTable.nfkd
        default: return nil
        }
    }

    func apply(to text: inout NormalizedText) {
        let input = text.scalars
        // Fast path: ASCII is invariant under every form.
        if input.allSatisfy({ $0 < 0x80 }) { return }
        var dest = [(UInt32, Int)]()
        dest.reserveCapacity(input.count + 8)
        var i = 0
        let n = input.count
        while i < n {
            var j = i + 1
            while j < n && !UnicodeNormalForm.isSegmentStart(input[j]) { j += 1 }
            if j == i + 1 && input[i] < 0x80 {
                dest.append((input[i], 0))
                i = j
                continue
            }
            let out: [UInt32]
            if j == i + 1, input[i] < 0x10000, let table = singleScalarTable {
                out = table.decomposition(of: input[i])
            } else {
                out = Scalars.of(normalize(Scalars.string(input[i..<j])))
            }
            let inCount = j - i
            if out.isEmpty {
                // Everything removed: attach to the previous output, as HF does.
                if !dest.isEmpty { dest[dest.count - 1].1 -= inCount } else { /* nothing to attach to */  }
            } else if out.count > inCount, let parts = decomposedParts(input[i..<j], equalTo: out) {
                // The output is each input scalar's own decomposition in turn (e.g. NFC of U+09DF U+09BE, a
                // composition exclusion: U+09AF U+09BC U+09BE): as HF, each input aligns its own first output and
                // its further outputs are inserted after it.
                var k = 0
                for count in parts {
                    for m in 0..<count { dest.append((out[k + m], m == 0 ? 0 : 1)) }
                    k += count
                }
            } else if out.count >= inCount {
                for (k, v) in out.enumerated() { dest.append((v, k < inCount ? 0 : 1)) }
            } else {
                for (k, v) in out.enumerated() {
                    dest.append((v, k == out.count - 1 ? -(inCount - out.count) : 0))
                }
            }
            i = j
        }
        let leading = dest.isEmpty ? n : 0
        text.transform(dest, initialRemoved: leading)
    }
}

extension UnicodeNormalForm {
    /// The output length of each input scalar when `out` is exactly their individual decompositions (canonical for
    /// NFC/NFD, compatibility for NFKC/NFKD) one after the other; nil otherwise.
    func decomposedParts(_ input: ArraySlice<UInt32>, equalTo out: [UInt32]) -> [Int]? {
        let table: DecompositionTable = (self == .nfc || self == .nfd) ? .nfd : .nfkd
        let form: UnicodeNormalForm = (self == .nfc || self == .nfd) ? .nfd : .nfkd
        var parts = [Int](), k = 0
        for v in input {
            let d = v < 0x10000 ? table.decomposition(of: v) : Scalars.of(form.normalize(Scalars.string([v])))
            guard k + d.count <= out.count, out[k..<(k + d.count)].elementsEqual(d) else { return nil }
            parts.append(d.count)
            k += d.count
        }
        return k == out.count ? parts : nil
    }
}

/// Flattened BMP decomposition table: scalar → [start, end) in `values`.
final class DecompositionTable: Sendable {
    let starts: [Int32]
    let values: [UInt32]

    static let nfd = DecompositionTable(.nfd)
    static let nfkd = DecompositionTable(.nfkd)

    private init(_ form: UnicodeNormalForm) {
        var starts = [Int32]()
        starts.reserveCapacity(0x10001)
        var values = [UInt32]()
        values.reserveCapacity(0x11000)
        for v in 0..<0x10000 {
            starts.append(Int32(values.count))
            guard v >= 0x80, let s = Unicode.Scalar(UInt32(v)) else {
                values.append(UInt32(v))
                continue
            }
            let p = s.properties
            if p.generalCategory == .unassigned || p.generalCategory == .surrogate || p.generalCategory == .privateUse {
                values.append(UInt32(v))
                continue
            }
            values.append(contentsOf: Scalars.of(form.normalize(String(Character(s)))))
        }
        starts.append(Int32(values.count))
        self.starts = starts
        self.values = values
    }

    @inline(__always) func decomposition(of v: UInt32) -> [UInt32] {
        let i = Int(v)
        return Array(values[Int(starts[i])..<Int(starts[i + 1])])
    }
}
