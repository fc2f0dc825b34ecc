/// Byte-pair encoding (HF `models::bpe`): merges by rank, `byte_fallback`, `ignore_merges`,
/// `continuing_subword_prefix`, `end_of_word_suffix`, `unk_token` (fused or not). Dropout is ignored
/// (deterministic encoding).
final class BPEModel: @unchecked Sendable {
    let vocab: TokenizerVocabulary
    /// (left id << 32 | right id) → (rank, merged id)
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let mergeList: [([UInt32], [UInt32])]
    let unkID: Int32?
    let unkPiece: [UInt32]?
    let fuseUnk: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    let prefix: [UInt32]
    let suffix: [UInt32]
    private let byteIDs: [Int32?]
    /// Single-scalar piece ids for the BMP when there is no prefix/suffix (-1 = absent).
    private let bmpChar: [Int32]

    init(json f: JSONFields) throws {
        vocab = try TokenizerVocabulary(json: f.object["vocab"] ?? [:], component: "BPE model")
        prefix = Scalars.of(f.optionalString("continuing_subword_prefix") ?? "")
        suffix = Scalars.of(f.optionalString("end_of_word_suffix") ?? "")
        fuseUnk = f.bool("fuse_unk", default: false)
        byteFallback = f.bool("byte_fallback", default: false)
        ignoreMerges = f.bool("ignore_merges", default: false)
        if let u = f.optionalString("unk_token") {
            unkPiece = Scalars.of(u)
            unkID = vocab.id(Scalars.of(u))
        } else {
            unkPiece = nil
            unkID = nil
        }
        var list = [([UInt32], [UInt32])]()
        for (n, m) in (try f.array("merges")).enumerated() {
            if let s = m as? String {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.invalidComponent(
                        component: "BPE model", reason: "merge \(n) \"\(s)\" is not \"a b\"")
                }
                list.append((Scalars.of(String(parts[0])), Scalars.of(String(parts[1]))))
            } else if let pair = m as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                list.append((Scalars.of(a), Scalars.of(b)))
            } else {
                throw TokenizerError.invalidComponent(
                    component: "BPE model", reason: "merge \(n) is neither \"a b\" nor [a, b]")
            }
        }
        mergeList = list
        var merges = [UInt64: (rank: Int32, id: Int32)]()
        merges.reserveCapacity(list.count)
        let prefixLen = prefix.count
        for (rank, (a, b)) in list.enumerated() {
            guard let ia = vocab.id(a), let ib = vocab.id(b) else {
                throw TokenizerError.invalidComponent(
                    component: "BPE model", reason: "merge \(rank) uses a piece missing from the vocab")
            }
            let merged =
                a + (b.count >= prefixLen && Array(b.prefix(prefixLen)) == prefix ? Array(b.dropFirst(prefixLen)) : b)
            guard let im = vocab.id(merged) else {
                throw TokenizerError.invalidComponent(
                    component: "BPE model",
                    reason: "merge \(rank) result \(Scalars.string(merged).debugDescription) is missing from the vocab")
            }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            merges[key] = (Int32(rank), im) // HF collects into a map: a repeated pair keeps its last rank
        }
        self.merges = merges
        byteIDs = byteFallbackIDs(vocab)
        var bmp = [Int32](repeating: -1, count: 0x10000)
        for (piece, id) in vocab.pieceToID where piece.count == 1 && piece[0] < 0x10000 { bmp[Int(piece[0])] = id }
        bmpChar = bmp
    }

    @inline(__always) private func charID(_ v: UInt32, first: Bool, last: Bool) -> Int32? {
        let needPrefix = !first && !prefix.isEmpty, needSuffix = last && !suffix.isEmpty
        if !needPrefix && !needSuffix {
            if v < 0x10000 {
                let id = bmpChar[Int(v)]
                return id >= 0 ? id : nil
            }
            return vocab.id([v])
        }
        var key = needPrefix ? prefix : []
        key.append(v)
        if needSuffix { key.append(contentsOf: suffix) }
        return vocab.id(key)
    }

    func tokenize(_ word: [UInt32], into out: inout [ModelToken], cache: WordCache?) {
        if word.isEmpty { return }
        if let cache, let hit = cache.get(word) {
            out.append(contentsOf: hit)
            return
        }
        var result = [ModelToken]()
        tokenizeUncached(word, into: &result)
        cache?.put(word, result)
        out.append(contentsOf: result)
    }

    private func tokenizeUncached(_ word: [UInt32], into out: inout [ModelToken]) {
        if ignoreMerges, let id = vocab.id(word) {
            out.append(ModelToken(id: id, start: 0, end: Int32(word.count)))
            return
        }
        var ids = [Int32](), starts = [Int32](), ends = [Int32]()
        ids.reserveCapacity(word.count)
        starts.reserveCapacity(word.count)
        ends.reserveCapacity(word.count)
        var pendingUnk: (start: Int32, end: Int32)? = nil
        func flushUnk() {
            if let u = pendingUnk, let unkID {
                ids.append(unkID)
                starts.append(u.start)
                ends.append(u.end)
            }
            pendingUnk = nil
        }
        var utf8 = [UInt8]()
        for (i, v) in word.enumerated() {
            let s = Int32(i), e = Int32(i + 1)
            if let id = charID(v, first: i == 0, last: i == word.count - 1) {
                flushUnk()
                ids.append(id)
                starts.append(s)
                ends.append(e)
                continue
            }
            if byteFallback {
                utf8.removeAll(keepingCapacity: true)
                Scalars.appendUTF8(v, to: &utf8)
                if utf8.allSatisfy({ byteIDs[Int($0)] != nil }) {
                    flushUnk()
                    for b in utf8 {
                        ids.append(byteIDs[Int(b)] ?? 0)
                        starts.append(s)
                        ends.append(e)
                    }
                    continue
                }
            }
            guard unkID != nil else { continue } // no unk token: HF drops the character
            if fuseUnk, let u = pendingUnk {
                pendingUnk = (u.start, e)
            } else {
                flushUnk()
                pendingUnk = (s, e)
            }
        }
        flushUnk()
        applyMerges(&ids, &starts, &ends)
        for k in 0..<ids.count { out.append(ModelToken(id: ids[k], start: starts[k], end: ends[k])) }
    }

    /// Repeatedly merge the adjacent pair with the lowest rank (leftmost on ties), as HF's heap does. Short
    /// words use a linear scan; long ones (SentencePiece-style tokenizers see whole lines) a heap over a linked list.
    private func applyMerges(_ ids: inout [Int32], _ starts: inout [Int32], _ ends: inout [Int32]) {
        guard ids.count > 1 else { return }
        if ids.count > 48 {
            applyMergesHeap(&ids, &starts, &ends)
            return
        }
        var ranks = [Int32](repeating: Int32.max, count: ids.count - 1)
        var newIDs = [Int32](repeating: -1, count: ids.count - 1)
        @inline(__always) func lookup(_ k: Int) {
            if let m = merges[UInt64(UInt32(ids[k])) << 32 | UInt64(UInt32(ids[k + 1]))] {
                ranks[k] = m.rank
                newIDs[k] = m.id
            } else {
                ranks[k] = Int32.max
                newIDs[k] = -1
            }
        }
        for k in 0..<(ids.count - 1) { lookup(k) }
        while ids.count > 1 {
            var best = Int32.max, at = -1
            for k in 0..<ranks.count where ranks[k] < best {
                best = ranks[k]
                at = k
            }
            if at < 0 { break }
            ids[at] = newIDs[at]
            ends[at] = ends[at + 1]
            ids.remove(at: at + 1)
            starts.remove(at: at + 1)
            ends.remove(at: at + 1)
            ranks.remove(at: at)
            newIDs.remove(at: at)
            if at > 0 { lookup(at - 1) }
            if at < ranks.count { lookup(at) }
        }
    }

    /// HF `Word::merge_all`: a min-heap of (rank, position) over a doubly linked list of symbols; stale entries
    /// are skipped when the pair at that position no longer yields the recorded id.
    private func applyMergesHeap(_ ids: inout [Int32], _ starts: inout [Int32], _ ends: inout [Int32]) {
        let n = ids.count
        var prev = (0..<n).map { Int32($0) - 1 }
        var next = (0..<n).map { $0 + 1 < n ? Int32($0 + 1) : -1 }
        var alive = [Bool](repeating: true, count: n)
        // Heap of (rank << 32 | position) with the merged id alongside.
        var heap = [(key: UInt64, id: Int32)]()
        heap.reserveCapacity(n)
        func push(_ rank: Int32, _ pos: Int, _ id: Int32) {
            heap.append((UInt64(UInt32(rank)) << 32 | UInt64(pos), id))
            var i = heap.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if heap[i].key < heap[p].key {
                    heap.swapAt(i, p)
                    i = p
                } else {
                    break
                }
            }
        }
        func pop() -> (key: UInt64, id: Int32)? {
            guard let top = heap.first else { return nil }
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count && heap[l].key < heap[m].key { m = l }
                    if r < heap.count && heap[r].key < heap[m].key { m = r }
                    if m == i { break }
                    heap.swapAt(i, m)
                    i = m
                }
            }
            return top
        }
        func pairMerge(_ a: Int, _ b: Int) -> (rank: Int32, id: Int32)? {
            merges[UInt64(UInt32(ids[a])) << 32 | UInt64(UInt32(ids[b]))]
        }
        for k in 0..<(n - 1) { if let m = pairMerge(k, k + 1) { push(m.rank, k, m.id) } }
        while let top = pop() {
            let pos = Int(top.key & 0xFFFF_FFFF)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = Int(next[pos])
            guard let m = pairMerge(pos, right), m.id == top.id else { continue }
            ids[pos] = m.id
            ends[pos] = ends[right]
            alive[right] = false
            next[pos] = next[right]
            if next[right] >= 0 { prev[Int(next[right])] = Int32(pos) }
            if prev[pos] >= 0, let pm = pairMerge(Int(prev[pos]), pos) { push(pm.rank, Int(prev[pos]), pm.id) }
            if next[pos] >= 0, let nm = pairMerge(pos, Int(next[pos])) { push(nm.rank, pos, nm.id) }
        }
        var w = 0
        for k in 0..<n where alive[k] {
            ids[w] = ids[k]
            starts[w] = starts[k]
            ends[w] = ends[k]
            w += 1
        }
        ids.removeLast(n - w)
        starts.removeLast(n - w)
        ends.removeLast(n - w)
    }
}
