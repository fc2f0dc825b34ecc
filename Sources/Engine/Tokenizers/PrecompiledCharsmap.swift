/// SentencePiece's precompiled normalization charsmap (`Precompiled` normalizer): a darts-clone double-array
/// trie over UTF-8 keys whose values index a blob of NUL-terminated replacement strings.
struct PrecompiledCharsmap {
    let units: [UInt32]
    let normalized: [UInt8]

    init(_ blob: [UInt8]) throws {
        guard blob.count >= 4 else { throw Self.bad("charsmap shorter than its header") }
        let trieSize = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieSize % 4 == 0, 4 + trieSize <= blob.count else {
            throw Self.bad("trie size \(trieSize) exceeds charsmap")
        }
        var units = [UInt32]()
        units.reserveCapacity(trieSize / 4)
        var i = 4
        while i < 4 + trieSize {
            units.append(
                UInt32(blob[i]) | UInt32(blob[i + 1]) << 8 | UInt32(blob[i + 2]) << 16 | UInt32(blob[i + 3]) << 24)
            i += 4
        }
        guard !units.isEmpty else { throw Self.bad("empty trie") }
        self.units = units
        self.normalized = Array(blob[(4 + trieSize)...])
    }

    static func bad(_ reason: String) -> TokenizerError {
        .invalidComponent(component: "Precompiled normalizer", reason: reason)
    }

    /// darts-clone commonPrefixSearch: values of every key that is a prefix of `key`, shortest first.
    func commonPrefixSearch(_ key: [UInt8]) -> [Int] {
        var results = [Int]()
        var pos = 0
        var unit = units[0]
        pos ^= Self.offset(unit)
        for b in key {
            pos ^= Int(b)
            guard pos >= 0, pos < units.count else { return results }
            unit = units[pos]
            if Self.label(unit) != UInt32(b) { return results }
            pos ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                guard pos >= 0, pos < units.count else { return results }
                results.append(Int(units[pos] & 0x7FFF_FFFF))
            }
        }
        return results
    }

    @inline(__always) static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
    @inline(__always) static func label(_ u: UInt32) -> UInt32 { u & ((1 << 31) | 0xFF) }
    @inline(__always) static func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }

    /// HF `Precompiled::transform`: the replacement for the shortest key that prefixes `chunk`.
    func transform(_ chunk: [UInt32]) -> [UInt32]? {
        let results = commonPrefixSearch(Scalars.utf8(chunk))
        guard let index = results.first, index < normalized.count else { return nil }
        var end = index
        while end < normalized.count && normalized[end] != 0 { end += 1 }
        return Scalars.of(String(decoding: normalized[index..<end], as: UTF8.self))
    }

    /// HF `Precompiled::normalize`: per extended grapheme cluster (shorter than 6 bytes) or else per scalar.
    func apply(_ t: inout NormalizedText) {
        var dest = [(UInt32, Int)]()
        dest.reserveCapacity(t.count)
        var modified = false
        func replace(_ old: Int, _ new: [UInt32]) {
            for v in new { dest.append((v, 0)) }
            let diff = new.count - old
            if diff > 0 {
                for k in (dest.count - diff)..<dest.count { dest[k].1 = 1 }
            } else if diff < 0, !dest.isEmpty {
                dest[dest.count - 1].1 += diff
            }
        }
        let text = Scalars.string(t.scalars)
        for grapheme in text {
            let g = grapheme.unicodeScalars.map(\.value)
            if grapheme.utf8.count < 6, let norm = transform(g) {
                modified = true
                replace(g.count, norm)
                continue
            }
            for v in g {
                if let norm = transform([v]) {
                    modified = true
                    replace(1, norm)
                } else {
                    dest.append((v, 0))
                }
            }
        }
        if modified { t.transform(dest) }
    }
}
