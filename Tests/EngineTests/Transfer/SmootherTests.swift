import Testing

@testable import Engine

/// The trie-based smoother against a direct transcription of the reference's O(V²) list comprehensions.
@Suite struct TransferSmootherTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    static func naive(
        _ keys: [String?], _ counts: [[Int: Double]], inPlace: Bool, integer: Bool, weight: (Int) -> Double
    ) -> [[Int: Double]] {
        var c = counts
        let frozen = counts
        for t in 0..<keys.count where c[t].isEmpty {
            guard let key = keys[t] else { continue }
            let live = inPlace ? c : frozen
            let mapped = { (u: Int) in !live[u].isEmpty && keys[u] != nil }
            let similar = (0..<keys.count).filter { u in u != t && mapped(u) && keys[u]!.hasPrefix(key) }
            var middle = (0..<keys.count).filter { u in u != t && mapped(u) && key.contains(keys[u]!) }
            middle.sort { (keys[$0]!.count, -$0) > (keys[$1]!.count, -$1) }
            middle = middle.enumerated().filter { i, u in
                i == 0 || !middle[..<i].contains { keys[$0]!.contains(keys[u]!) }
            }.map(\.element)
            func index(_ u: Int) -> Int { key.distance(from: key.startIndex, to: key.range(of: keys[u]!)!.lowerBound) }
            middle.sort { (index($0), $0) < (index($1), $1) }
            var row: [Int: Double] = [:]
            for u in similar + middle {
                let total = live[u].values.reduce(0, +)
                for (s, v) in live[u] {
                    row[s, default: 0] +=
                        integer ? Double(max(1, Int(weight(s) * v) / Int(total))) : weight(s) * v / total
                }
            }
            if !row.isEmpty { c[t] = row }
        }
        return c
    }

    @Test(arguments: [(false, false), (true, true)])
    func matchesNaiveOnRandomVocabularies(inPlace: Bool, integer: Bool) {
        var g = Generator(state: inPlace ? 7 : 11)
        for _ in 0..<20 {
            var keys: [String?] = []
            var seen = Set<String>()
            while keys.count < 60 {
                let k = String((0..<(1 + g.next(5))).map { _ in Array("abc")[g.next(3)] })
                if seen.insert(k).inserted { keys.append(k) }
            }
            var table = CountTable(targetVocabularySize: keys.count)
            var counts = Array(repeating: [Int: Double](), count: keys.count)
            for t in 0..<keys.count where g.next(3) == 0 {
                for _ in 0..<(1 + g.next(3)) {
                    let s = g.next(10), v = Double(1 + g.next(40))
                    table.add(target: t, source: s, v, origin: .aligned)
                    counts[t][s, default: 0] += v
                }
            }
            let weight: @Sendable (Int) -> Double = { $0 % 3 == 0 ? 2000 : 1000 }
            let smoother = Smoother(
                .init(
                    keys: keys.map { $0.map { Array($0.utf8) } }, inPlace: inPlace, integer: integer,
                    sourceWeight: weight))
            smoother.smooth(&table)
            let want = Self.naive(keys, counts, inPlace: inPlace, integer: integer, weight: weight)
            for t in 0..<keys.count {
                #expect(table.rows[t].keys.sorted() == want[t].keys.sorted(), "\(keys[t] ?? "")")
                for (s, v) in want[t] { #expect(abs((table.rows[t][s] ?? -1) - v) < 1e-9) }
            }
        }
    }

    /// One smoother reused on tables with different mapped tokens (its per-token candidates are cached on first
    /// use and only filtered by the counts afterwards) still matches the reference every time.
    @Test(arguments: [(false, false), (true, true)])
    func reusedSmootherMatchesNaive(inPlace: Bool, integer: Bool) {
        var g = Generator(state: inPlace ? 23 : 29)
        var keys: [String?] = []
        var seen = Set<String>()
        while keys.count < 80 {
            let k = String((0..<(1 + g.next(5))).map { _ in Array("abc")[g.next(3)] })
            if seen.insert(k).inserted { keys.append(k) }
        }
        let weight: @Sendable (Int) -> Double = { $0 % 3 == 0 ? 2000 : 1000 }
        let smoother = Smoother(
            .init(
                keys: keys.map { $0.map { Array($0.utf8) } }, inPlace: inPlace, integer: integer, sourceWeight: weight))
        for round in 0..<6 {
            var table = CountTable(targetVocabularySize: keys.count)
            var counts = Array(repeating: [Int: Double](), count: keys.count)
            for t in 0..<keys.count where g.next(2 + round % 3) == 0 {
                let s = g.next(10), v = Double(1 + g.next(40))
                table.add(target: t, source: s, v, origin: .aligned)
                counts[t][s, default: 0] += v
            }
            smoother.smooth(&table)
            let want = Self.naive(keys, counts, inPlace: inPlace, integer: integer, weight: weight)
            for t in 0..<keys.count {
                #expect(table.rows[t].keys.sorted() == want[t].keys.sorted(), "round \(round): \(keys[t] ?? "")")
                for (s, v) in want[t] { #expect(abs((table.rows[t][s] ?? -1) - v) < 1e-9) }
            }
        }
    }
}
