/// Splits one aligned word pair back into token pairs (§1.6 step 3): half of the count spread uniformly over all
/// (target subword, source subword) pairs, half along a monotone "diagonal". Every target subword gets about
/// `count` in total.
public enum PairSplitter {
    /// `.paper`: integer semantics of `map_tokens` (`h = max(1, n // 2)`, each pair `max(1, h // d)`; the caller
    /// passes the already truncated count). `.exact`: the same shares as exact Doubles, no floors (pitfall 10).
    public enum Arithmetic: Sendable { case paper, exact }

    public static func add(
        count: Double, source: [Int], target: [Int], arithmetic: Arithmetic, into table: inout CountTable
    ) {
        guard !source.isEmpty, !target.isEmpty else { return }
        if source.count == 1, target.count == 1 {
            table.add(target: target[0], source: source[0], count, origin: .aligned)
            return
        }
        let o = source.count, n = target.count
        let g = gcd(o, n)
        let h: Double
        switch arithmetic {
        case .paper: h = max(1, (count / 2).rounded(.down))
        case .exact: h = count / 2
        }
        func share(_ d: Int) -> Double {
            switch arithmetic {
            case .paper: max(1, (h / Double(d)).rounded(.down))
            case .exact: h / Double(d)
            }
        }
        // (a) all-to-all: every pair once, h / |o| each.
        let uniform = share(o)
        for t in target { for s in source { table.add(target: t, source: s, uniform, origin: .aligned) } }
        // (b) diagonal: zip repeat(o, n/g) with repeat(n, o/g), h / (o/g) per occurrence.
        let sourceRepeat = n / g, targetRepeat = o / g
        let diagonal = share(targetRepeat)
        for k in 0..<(o * n / g) {
            table.add(target: target[k / targetRepeat], source: source[k / sourceRepeat], diagonal, origin: .aligned)
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
