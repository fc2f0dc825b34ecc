/// Unigram language model (HF `models::unigram`, SentencePiece's optimized Viterbi): best-scoring segmentation,
/// unknown characters scored `min_score - 10`, consecutive unknowns fused, optional byte fallback.
final class UnigramModel: @unchecked Sendable {
    let vocab: TokenizerVocabulary
    let scores: [Double]
    let unkID: Int32?
    let byteFallback: Bool
    let minScore: Double
    private let byteIDs: [Int32?]
    /// Trie over piece scalars: node → children; terminal id per node (-1 = none).
    private var children: [[UInt32: Int32]] = [[:]]
    private var terminal: [Int32] = [-1]

    init(json f: JSONFields) throws {
        guard let list = f.object["vocab"] as? [Any] else {
            throw TokenizerError.invalidComponent(
                component: "Unigram model", reason: "vocab must be a list of [piece, score]")
        }
        var v = TokenizerVocabulary()
        var scores = [Double]()
        scores.reserveCapacity(list.count)
        for (i, entry) in list.enumerated() {
            guard let pair = entry as? [Any], pair.count == 2, let p = pair[0] as? String,
                let s = (pair[1] as? NSNumberLike)?.doubleValue
            else {
                throw TokenizerError.invalidComponent(
                    component: "Unigram model", reason: "vocab entry \(i) is not [piece, score]")
            }
            try v.insert(Scalars.of(p), id: i, component: "Unigram model")
            scores.append(s)
        }
        vocab = v
        self.scores = scores
        if let u = f.optionalInt("unk_id") {
            guard u >= 0 && u < scores.count else {
                throw TokenizerError.invalidComponent(component: "Unigram model", reason: "unk_id \(u) out of range")
            }
            unkID = Int32(u)
        } else {
            unkID = nil
        }
        byteFallback = f.bool("byte_fallback", default: false)
        minScore = scores.min() ?? 0
        byteIDs = byteFallbackIDs(v)
        for (i, _) in scores.enumerated() {
            guard let piece = v.piece(i), !piece.isEmpty else { continue }
            var node = 0
            for c in piece {
                if let next = children[node][c] {
                    node = Int(next)
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][c] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            terminal[node] = Int32(i)
        }
    }

    func tokenize(_ word: [UInt32], into out: inout [ModelToken], cache: WordCache?) {
        if word.isEmpty { return }
        if let cache, let hit = cache.get(word) {
            out.append(contentsOf: hit)
            return
        }
        let result = tokenizeUncached(word)
        cache?.put(word, result)
        out.append(contentsOf: result)
    }

    private func tokenizeUncached(_ word: [UInt32]) -> [ModelToken] {
        let n = word.count
        let unkScore = minScore - 10.0
        var bestScore = [Double](repeating: 0, count: n + 1)
        var startsAt = [Int](repeating: -1, count: n + 1)
        var nodeID = [Int32](repeating: -1, count: n + 1)
        for s in 0..<n {
            let base = bestScore[s]
            var hasSingle = false
            var node = 0
            var k = s
            while k < n, let next = children[node][word[k]] {
                node = Int(next)
                k += 1
                let id = terminal[node]
                if id >= 0 {
                    let cand = scores[Int(id)] + base
                    if startsAt[k] < 0 || cand > bestScore[k] {
                        bestScore[k] = cand
                        startsAt[k] = s
                        nodeID[k] = id
                    }
                    if k == s + 1 { hasSingle = true }
                }
            }
            if !hasSingle {
                let cand = unkScore + base
                if startsAt[s + 1] < 0 || cand > bestScore[s + 1] {
                    bestScore[s + 1] = cand
                    startsAt[s + 1] = s
                    nodeID[s + 1] = unkID ?? -1
                }
            }
        }
        // Back-track, fusing consecutive unknowns.
        var pieces = [(Int, Int, Bool)]() // (start, end, isUnk)
        var e = n
        while e > 0 {
            let s = startsAt[e]
            let isUnk = unkID != nil && nodeID[e] == unkID
            if isUnk, let last = pieces.last, last.2, last.0 == e {
                pieces[pieces.count - 1].0 = s
            } else {
                pieces.append((s, e, isUnk))
            }
            e = s
        }
        pieces.reverse()
        var result = [ModelToken]()
        var utf8 = [UInt8]()
        for (s, e, _) in pieces {
            let piece = Array(word[s..<e])
            if let id = vocab.id(piece) {
                result.append(ModelToken(id: id, start: Int32(s), end: Int32(e)))
                continue
            }
            if byteFallback {
                utf8 = Scalars.utf8(piece)
                if utf8.allSatisfy({ byteIDs[Int($0)] != nil }) {
                    for b in utf8 {
                        result.append(ModelToken(id: byteIDs[Int(b)] ?? 0, start: Int32(s), end: Int32(e)))
                    }
                    continue
                }
            }
            if let unkID { result.append(ModelToken(id: unkID, start: Int32(s), end: Int32(e))) }
        }
        return result
    }
}
