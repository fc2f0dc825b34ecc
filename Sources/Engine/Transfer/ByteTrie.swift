/// A trie over byte strings whose terminals carry ids. Used by smoothing to find, for a token, the tokens that
/// extend it (prefix search) and the tokens it contains (substring search) without the reference's O(V²) scans.
struct ByteTrie: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    private var terminals: [[Int]] = [[]]

    init() {}

    mutating func insert(_ key: [UInt8], id: Int) {
        var node = 0
        for byte in key {
            if let next = children[node][byte] {
                node = Int(next)
            } else {
                children.append([:])
                terminals.append([])
                let next = children.count - 1
                children[node][byte] = Int32(next)
                node = next
            }
        }
        terminals[node].append(id)
    }

    /// Ids of every key that starts with `prefix` (including `prefix` itself).
    func ids(withPrefix prefix: [UInt8]) -> [Int] {
        var node = 0
        for byte in prefix {
            guard let next = children[node][byte] else { return [] }
            node = Int(next)
        }
        var out: [Int] = []
        var stack = [node]
        while let n = stack.popLast() {
            out.append(contentsOf: terminals[n])
            for (_, child) in children[n] { stack.append(Int(child)) }
        }
        return out
    }

    /// Every occurrence of a key inside `text`: (start offset, key length, ids).
    func occurrences(in text: [UInt8]) -> [(start: Int, length: Int, ids: [Int])] {
        var out: [(start: Int, length: Int, ids: [Int])] = []
        for start in 0..<text.count {
            var node = 0
            var j = start
            while j < text.count, let next = children[node][text[j]] {
                node = Int(next)
                j += 1
                if !terminals[node].isEmpty { out.append((start, j - start, terminals[node])) }
            }
        }
        return out
    }
}
