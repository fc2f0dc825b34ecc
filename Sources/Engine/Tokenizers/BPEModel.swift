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
                    throw TokenizerError.invalidComponent(component: "BPE model", reason: "merge \(n) \"\(s)\" is not \"a b\"")
                }
                list.append((Scalars.of(String(parts[0])), Scalars.of(String(parts[1]))))
            } else if let pair = m as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                list.append((Scalars.of(a), Scalars.of(b)))
            } else {
                throw TokenizerError.invalidComponent(component: "BPE model", reason: "merge \(n) is neither \"a b\" nor [a, b]")
            }
        }
        mergeList = list
        var merges = [UInt64: (rank: Int32, id: Int32)]()
        merges.reserveCapacity(list.count)
        let prefixLen = prefix.count
        for (rank, (a, b)) in list.enumerated() {
            guard let ia = vocab.id(a), let ib = vocab.id(b) else {
                throw TokenizerError.invalidComponent(component: "BPE model", reason: "merge \(rank) uses a piece missing from the vocab")
            }
            let merged = a + (b.count >= prefixLen && Array(b.prefix(prefixLen)) == prefix ? Array(b.dropFirst(prefixLen)) : b)
            guard let im = vocab.id(merged) else {
                throw TokenizerError.invalidComponent(component: "BPE model", reason: "merge \(rank) result \(Scalars.string(merged).debugDescription) is missing from the vocab")
            }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            merges[key] = (Int32(rank), im)  // HF collects into a map: a repeated pair keeps its last rank
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
            if v < 0x10000 { let id = bmpChar[Int(v)]; return id >= 0 ? id : nil }
            return vocab.id([v])
        }
        var key = needPrefix ? prefix : []
        key.append(v)
        if needSuffix { key.append(contentsOf: suffix) }
        return vocab.id(key)
    }

    func tokenize(_ word: [UInt32], into out: inout [ModelToken], cache: WordCache?) {
        if word.isEmpty { return }
        if let cache, let hit = cache.get(word) { out.append(contentsOf: hit); return }
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
        ids.reserveCapacity(word.count); starts.reserveCapacity(word.count); ends.reserveCapacity(word.count)
        var pendingUnk: (start: Int32, end: Int32)? = nil
        func flushUnk() {
            if let u = pendingUnk, let unkID { ids.append(unkID); starts.append(u.start); ends.append(u.end) }
            pendingUnk = nil
        }
        var utf8 = [UInt8]()
        for (i, v) in word.enumerated() {
            let s = Int32(i), e = Int32(i + 1)
            if let id = charID(v, first: i == 0, last: i == word.count - 1) {
                flushUnk()
                ids.append(id); starts.append(s); ends.append(e)
                continue
            }
            if byteFallback {
                utf8.removeAll(keepingCapacity: true)
                Scalars.appendUTF8(v, to: &utf8)
                if utf8.allSatisfy({ byteIDs[Int($0)] != nil }) {
                    flushUnk()
                    for b in utf8 { ids.append(byteIDs[Int(b)] ?? 0); starts.append(s); ends.append(e) }
                    continue
                }
            }
            guard unkID != nil else { continue }  // no unk token: HF drops the character
            if fuseUnk, let u = pendingUnk { pendingUnk = (u.start, e) }
            else { flushUnk(); pendingUnk = (s, e) }
        }
        flushUnk()
        applyMerges(&ids, &starts, &ends)
        for k in 0..<ids.count { out.append(ModelToken(id: ids[k], start: starts[k], end: ends[k])) }
    }

    /// Repeatedly merge the adjacent pair with the lowest rank (leftmost on ties), as HF's heap does.
    private func applyMerges(_ ids: inout [Int32], _ starts: inout [Int32], _ ends: inout [Int32]) {
        guard ids.count > 1 else { return }
        // Ranks of each adjacent pair, kept up to date.
        var ranks = [Int32](repeating: Int32.max, count: ids.count - 1)
        var newIDs = [Int32](repeating: -1, count: ids.count - 1)
        @inline(__always) func lookup(_ k: Int) {
            if let m = merges[UInt64(UInt32(ids[k])) << 32 | UInt64(UInt32(ids[k + 1]))] {
                ranks[k] = m.rank; newIDs[k] = m.id
            } else {
                ranks[k] = Int32.max; newIDs[k] = -1
            }
        }
        for k in 0..<(ids.count - 1) { lookup(k) }
        while ids.count > 1 {
            var best = Int32.max, at = -1
            for k in 0..<ranks.count where ranks[k] < best { best = ranks[k]; at = k }
            if at < 0 { break }
            ids[at] = newIDs[at]
            ends[at] = ends[at + 1]
            ids.remove(at: at + 1); starts.remove(at: at + 1); ends.remove(at: at + 1)
            ranks.remove(at: at); newIDs.remove(at: at)
            if at > 0 { lookup(at - 1) }
            if at < ranks.count { lookup(at) }
        }
    }
}
