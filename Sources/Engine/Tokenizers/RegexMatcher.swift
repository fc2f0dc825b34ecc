import Foundation

/// The general regex path (ICU via NSRegularExpression) for Split/Replace patterns without a hand-written
/// matcher. Matches are reported as Unicode scalar ranges. ICU and Oniguruma (HF) agree on the common syntax
/// (\p{L}, \s, classes, look-ahead); exotic Oniguruma-only syntax is rejected when the pattern is compiled.
final class RegexMatcher: @unchecked Sendable {
    let pattern: String
    private let regex: NSRegularExpression
    /// Known patterns are answered by the fast hand-written matcher instead of ICU.
    let known: KnownSplitPattern?

    init(pattern: String, component: String) throws {
        self.pattern = pattern
        self.known = KnownSplitPattern(pattern: pattern)
        do {
            regex = try NSRegularExpression(pattern: pattern, options: [])
        } catch {
            throw TokenizerError.invalidComponent(component: component, reason: "regex \(pattern): \(error)")
        }
    }

    func matches(in scalars: [UInt32]) -> [Range<Int>] {
        if let known { return known.matches(in: scalars) }
        if scalars.isEmpty { return [] }
        // UTF-16 offsets → scalar indices.
        var utf16ToScalar = [Int]()
        utf16ToScalar.reserveCapacity(scalars.count + 1)
        for (i, v) in scalars.enumerated() {
            utf16ToScalar.append(i)
            if v >= 0x10000 { utf16ToScalar.append(i) }
        }
        utf16ToScalar.append(scalars.count)
        let ns = Scalars.string(scalars) as NSString
        var result = [Range<Int>]()
        regex.enumerateMatches(in: ns as String, options: [], range: NSRange(location: 0, length: ns.length)) {
            m, _, _ in
            guard let r = m?.range, r.location != NSNotFound, r.length > 0 else { return }
            let lo = utf16ToScalar[r.location], hi = utf16ToScalar[r.location + r.length]
            if hi > lo { result.append(lo..<hi) }
        }
        return result
    }
}
