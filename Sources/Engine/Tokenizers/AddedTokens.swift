/// A token of the `added_tokens` section.
public struct AddedToken: Sendable, Equatable {
    public let id: Int
    public let content: String
    public let singleWord: Bool
    public let lstrip: Bool
    public let rstrip: Bool
    public let normalized: Bool
    public let special: Bool

    public init(
        id: Int, content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
        normalized: Bool = false, special: Bool = true
    ) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
        self.special = special
    }

    init(json: Any) throws {
        let f = try JSONFields(json, component: "added_tokens")
        guard let id = f.optionalInt("id"), id >= 0 else { throw f.missing("id", "a non-negative integer") }
        self.init(
            id: id, content: try f.string("content"), singleWord: f.bool("single_word", default: false),
            lstrip: f.bool("lstrip", default: false), rstrip: f.bool("rstrip", default: false),
            normalized: f.bool("normalized", default: !f.bool("special", default: false)),
            special: f.bool("special", default: false))
    }
}

/// Leftmost-longest matcher over scalar patterns (HF uses Aho-Corasick with LeftmostLongest).
struct AddedTokenMatcher {
    private var children: [[UInt32: Int32]] = [[:]]
    private var terminal: [Int32] = [-1] // index into tokens
    private var firstScalars = Set<UInt32>()
    let tokens: [AddedToken]
    var isEmpty: Bool { tokens.isEmpty }

    init(tokens: [AddedToken], patterns: [[UInt32]]) {
        self.tokens = tokens
        for (i, p) in patterns.enumerated() where !p.isEmpty {
            var node = 0
            for c in p {
                if let next = children[node][c] {
                    node = Int(next)
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][c] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            if terminal[node] < 0 { terminal[node] = Int32(i) }
            firstScalars.insert(p[0])
        }
    }

    /// Splits `s` into (token index or nil, range) pieces covering it (HF `AddedVocabulary::find_matches`).
    func split(_ s: [UInt32]) -> [(Int?, Range<Int>)] {
        var matches = [(Int, Range<Int>)]()
        var i = 0
        while i < s.count {
            guard firstScalars.contains(s[i]) else {
                i += 1
                continue
            }
            var node = 0, k = i, best = -1, bestEnd = i
            while k < s.count, let next = children[node][s[k]] {
                node = Int(next)
                k += 1
                if terminal[node] >= 0 {
                    best = Int(terminal[node])
                    bestEnd = k
                }
            }
            if best >= 0 {
                matches.append((best, i..<bestEnd))
                i = bestEnd
            } else {
                i += 1
            }
        }
        if matches.isEmpty { return [(nil, 0..<s.count)] }
        var out = [(Int?, Range<Int>)]()
        var startOffset = 0
        func isWordChar(_ v: UInt32) -> Bool {
            v == 0x5F || UnicodeClasses.classes(v) & (UnicodeClasses.letter | UnicodeClasses.number) != 0
        }
        for (t, r) in matches {
            var start = r.lowerBound, stop = r.upperBound
            let tok = tokens[t]
            if tok.singleWord {
                let startSpace = start == 0 || !isWordChar(s[start - 1])
                let stopSpace = stop == s.count || !isWordChar(s[stop])
                if !startSpace || !stopSpace { continue }
            }
            if tok.lstrip {
                var ns = start
                while ns > 0 && UnicodeClasses.isWhitespace(s[ns - 1]) { ns -= 1 }
                start = max(ns, startOffset)
            }
            if tok.rstrip {
                while stop < s.count && UnicodeClasses.isWhitespace(s[stop]) { stop += 1 }
            }
            if start < startOffset { continue }
            if startOffset < start { out.append((nil, startOffset..<start)) }
            out.append((t, start..<stop))
            startOffset = stop
        }
        if startOffset < s.count { out.append((nil, startOffset..<s.count)) }
        return out
    }
}
