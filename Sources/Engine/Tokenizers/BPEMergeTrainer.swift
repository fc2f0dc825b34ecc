/// HF `BpeTrainer`'s merge loop on counted words: repeatedly merge the most frequent adjacent pair (ties: the
/// pair with the smallest ids), updating pair counts incrementally, until the vocabulary is full or the best
/// pair is rarer than `minFrequency`. Symbols listed in `unmergeable` never take part in a merge.
struct BPEMergeTrainer {
    /// id → piece (scalars); starts with specials + initial symbols, grows with each merge.
    var pieces: [[UInt32]]
    var merges: [(Int32, Int32)] = []

    init(initialPieces: [[UInt32]]) { pieces = initialPieces }

    private struct Heap {
        var items: [(count: Int64, pair: UInt64)] = []
        @inline(__always) static func before(_ a: (count: Int64, pair: UInt64), _ b: (count: Int64, pair: UInt64))
            -> Bool
        {
            a.count != b.count ? a.count > b.count : a.pair < b.pair
        }
        mutating func push(_ x: (count: Int64, pair: UInt64)) {
            items.append(x)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if Heap.before(items[i], items[p]) {
                    items.swapAt(i, p)
                    i = p
                } else {
                    break
                }
            }
        }
        mutating func pop() -> (count: Int64, pair: UInt64)? {
            guard !items.isEmpty else { return nil }
            let top = items[0]
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < items.count && Heap.before(items[l], items[m]) { m = l }
                    if r < items.count && Heap.before(items[r], items[m]) { m = r }
                    if m == i { break }
                    items.swapAt(i, m)
                    i = m
                }
            }
            return top
        }
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// `words`: symbol ids per distinct word; `counts`: occurrences.
    mutating func train(
        words inputWords: [[Int32]], counts: [Int64], vocabSize: Int, minFrequency: Int,
        maxTokenLength: Int?, unmergeable: Set<Int32>
    ) {
        var words = inputWords
        var lengths = pieces.map { $0.count }
        let maxLen = maxTokenLength ?? Int.max
        var pairCounts = [UInt64: Int64]()
        var pairWhere = [UInt64: [Int32]]()
        for (w, word) in words.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let a = word[k], b = word[k + 1]
                if unmergeable.contains(a) || unmergeable.contains(b) { continue }
                if lengths[Int(a)] + lengths[Int(b)] > maxLen { continue }
                let p = Self.key(a, b)
                pairCounts[p, default: 0] += counts[w]
                pairWhere[p, default: []].append(Int32(w))
            }
        }
        var heap = Heap()
        heap.items.reserveCapacity(pairCounts.count)
        for (p, c) in pairCounts where c > 0 { heap.push((c, p)) }
        var visited = [Int32](repeating: -1, count: words.count)
        var step: Int32 = 0
        while pieces.count < vocabSize, let top = heap.pop() {
            let current = pairCounts[top.pair] ?? 0
            if current != top.count {
                if current > 0 { heap.push((current, top.pair)) }
                continue
            }
            if top.count < 1 || top.count < Int64(minFrequency) { break }
            let a = Int32(truncatingIfNeeded: top.pair >> 32), b = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            let newID = Int32(pieces.count)
            pieces.append(pieces[Int(a)] + pieces[Int(b)])
            lengths.append(lengths[Int(a)] + lengths[Int(b)])
            merges.append((a, b))
            pairCounts[top.pair] = 0
            var touched = [UInt64]()
            func change(_ p: UInt64, _ delta: Int64, _ w: Int32) {
                let l = Int32(truncatingIfNeeded: p >> 32), r = Int32(truncatingIfNeeded: p & 0xFFFF_FFFF)
                if unmergeable.contains(l) || unmergeable.contains(r) { return }
                if delta > 0 && lengths[Int(l)] + lengths[Int(r)] > maxLen { return }
                pairCounts[p, default: 0] += delta
                if delta > 0 {
                    pairWhere[p, default: []].append(w)
                    touched.append(p)
                }
            }
            for w in pairWhere.removeValue(forKey: top.pair) ?? [] where visited[Int(w)] != step {
                visited[Int(w)] = step
                let c = counts[Int(w)]
                var word = words[Int(w)]
                var i = 0
                while i < word.count - 1 {
                    if word[i] == a && word[i + 1] == b {
                        if i > 0 {
                            change(Self.key(word[i - 1], a), -c, w)
                            change(Self.key(word[i - 1], newID), c, w)
                        }
                        word[i] = newID
                        word.remove(at: i + 1)
                        if i < word.count - 1 {
                            change(Self.key(b, word[i + 1]), -c, w)
                            change(Self.key(newID, word[i + 1]), c, w)
                        }
                    }
                    i += 1
                }
                words[Int(w)] = word
            }
            for p in Set(touched) { if let c = pairCounts[p], c > 0 { heap.push((c, p)) } }
            step += 1
        }
    }
}
