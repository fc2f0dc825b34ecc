import Foundation
import Systems

/// Fills target tokens that have no counts from related target tokens that do (§1.7 `smooth_mapping`):
/// - `similar`: tokens whose key starts with the token's key (longer tokens extending it);
/// - `middle`: mapped tokens whose key occurs inside the token's key, keeping only maximal ones (not contained in
///   a longer kept one), in order of first occurrence.
/// Each contributor `u` adds its normalised row, scaled by `W_s` (word-start source tokens count double).
///
/// Found with a byte trie (prefix subtree and substring walks), not the reference's O(V²) scans (pitfall 11).
struct Smoother: Sendable {
    struct Configuration: Sendable {
        /// The key each target token is compared by (pieces in paper mode, decoded bytes by default); tokens
        /// without a key are neither filled nor used.
        var keys: [[UInt8]?]
        /// Paper: the library's in-place semantics (a token filled earlier, in id order, feeds later ones).
        /// Default: contributors are read from the counts as they were before smoothing, so the result does not
        /// depend on order.
        var inPlace: Bool
        /// Paper: `max(1, (W·c) // total)`. Default: exact `W·c / total`.
        var integer: Bool
        /// `W_s`: weight of a contribution to source id `s`.
        var sourceWeight: @Sendable (Int) -> Double
    }

    let configuration: Configuration
    private var trie = ByteTrie()
    /// Each token's candidates, found on first use; shared by copies of this smoother.
    private let candidates: SmoothingCandidateCache

    init(_ configuration: Configuration) {
        self.configuration = configuration
        for (id, key) in configuration.keys.enumerated() {
            if let key, !key.isEmpty { trie.insert(key, id: id) }
        }
        candidates = SmoothingCandidateCache(count: configuration.keys.count)
    }

    /// Smooths `table` in place; returns the ids that were filled.
    @discardableResult
    func smooth(_ table: inout CountTable) -> [Int] {
        let snapshot: CountTable? = configuration.inPlace ? nil : table
        var filled: [Int] = []
        for t in 0..<table.targetVocabularySize where !table.isMapped(t) {
            guard let key = configuration.keys[t] ?? nil, !key.isEmpty else { continue }
            let row = smoothedRow(for: t, key: key, from: snapshot ?? table)
            guard !row.isEmpty else { continue }
            for (s, c) in row { table.add(target: t, source: s, c, origin: .smoothed) }
            filled.append(t)
        }
        return filled
    }

    private func smoothedRow(for t: Int, key: [UInt8], from source: CountTable) -> [Int: Double] {
        var row: [Int: Double] = [:]
        for u in contributors(of: t, key: key, mapped: source.isMapped) {
            let counts = source.rows[u]
            let total = counts.values.reduce(0, +)
            guard total > 0 else { continue }
            for (s, c) in counts {
                let w = configuration.sourceWeight(s)
                if configuration.integer { // paper counts are whole numbers: exact integer floor division
                    row[s, default: 0] += Double(max(1, Int(w * c) / max(1, Int(total))))
                } else {
                    row[s, default: 0] += w * c / total
                }
            }
        }
        return row
    }

    /// `similar + middle` for token `t`.
    func contributors(of t: Int, key: [UInt8], mapped: (Int) -> Bool) -> [Int] {
        let c = candidates.get(t) { self.findCandidates(of: t, key: key) }
        let similar = c.extensions.filter(mapped)
        // Longest first (ties by id), then keep only those not contained in an earlier kept one.
        let keys = configuration.keys
        var kept: [(id: Int, start: Int)] = []
        for u in c.contained where mapped(u.id) {
            let k = keys[u.id] ?? []
            if kept.contains(where: { ByteTrie.contains(keys[$0.id] ?? [], k) }) { continue }
            kept.append(u)
        }
        let middle = kept.sorted { ($0.start, $0.id) < ($1.start, $1.id) }.map(\.id)
        return similar + middle
    }

    /// The candidates of `t` before the "mapped" filter, which is the only part that depends on the counts. The
    /// trie walks below were most of the smoothing time, and the daemon smooths the same vocabulary every refresh.
    private func findCandidates(of t: Int, key: [UInt8]) -> SmoothingCandidates {
        let extensions = trie.ids(withPrefix: key).filter { $0 != t }.sorted()

        // Tokens contained in t, first occurrence of each.
        var firstStart: [Int: Int] = [:]
        for occurrence in trie.occurrences(in: key) {
            for u in occurrence.ids where u != t && firstStart[u] == nil { firstStart[u] = occurrence.start }
        }
        let keys = configuration.keys
        func characters(_ u: Int) -> Int { (keys[u] ?? []).reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) } }
        let contained = firstStart.map { (id: $0.key, start: $0.value, characters: characters($0.key)) }
            .sorted { ($0.characters, -$0.id) > ($1.characters, -$1.id) }
            .map { (id: $0.id, start: $0.start) }
        return SmoothingCandidates(extensions: extensions, contained: contained)
    }
}

/// A token's possible smoothing contributors, whatever the counts: the tokens extending its key (ascending id)
/// and the tokens contained in it with their first offset (longest first, ties by id).
struct SmoothingCandidates: Sendable {
    var extensions: [Int]
    var contained: [(id: Int, start: Int)]
}

/// Per-token `SmoothingCandidates`, filled on first use. Thread-safe (a lock), so a smoother can be shared.
final class SmoothingCandidateCache: Sendable {
    private let entries: Locked<[SmoothingCandidates?]>

    init(count: Int) { entries = Locked(Array(repeating: nil, count: count)) }

    func get(_ t: Int, orCompute compute: () -> SmoothingCandidates) -> SmoothingCandidates {
        entries.withLock { entries in
            if let entry = entries[t] { return entry }
            let entry = compute()
            entries[t] = entry
            return entry
        }
    }
}

extension ByteTrie {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
