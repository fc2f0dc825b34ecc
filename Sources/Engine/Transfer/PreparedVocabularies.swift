import Foundation
import Systems

/// The parts of a mapping that depend only on the two vocabularies and the options, never on the alignment:
/// the heuristic counts (numbers, identical strings, special tokens), the special tokens left without a
/// counterpart, the smoother (keys, trie, word-start weights) and the fallback rows.
///
/// The daemon maps after every alignment update with the same two vocabularies; keeping one instance across
/// refreshes saves recomputing these (source tokenizer runs per target token) every time. Each part is computed
/// on first use, so a mapper that never needs one does not pay for it. Thread-safe: the caches are behind a lock.
public final class PreparedVocabularies: @unchecked Sendable {
    public let source: any TokenVocabulary
    public let target: any TokenVocabulary
    public let options: MappingOptions

    struct Heuristics: Sendable {
        var counts: CountRecording
        /// Target special/added tokens without a source counterpart (default mode; they get the mean row).
        var unmatchedSpecials: Set<Int>
    }

    /// The parts computed so far.
    private struct Cache: Sendable {
        var heuristics: Heuristics?
        var smoother: Smoother?
        /// Per target id; `nil` until first asked for.
        var fallbackRows: [TokenMapping.Row?]
    }

    private let cache: Locked<Cache>

    public init(source: any TokenVocabulary, target: any TokenVocabulary, options: MappingOptions) {
        self.source = source
        self.target = target
        self.options = options
        cache = Locked(Cache(fallbackRows: Array(repeating: nil, count: target.vocabularySize)))
    }

    /// The heuristic counts as recorded additions (replayed in order onto each alignment table).
    var heuristics: Heuristics {
        cache.withLock { cache in
            if let heuristics = cache.heuristics { return heuristics }
            let computed = computeHeuristics()
            cache.heuristics = computed
            return computed
        }
    }

    /// The smoother over the target keys.
    var smoother: Smoother {
        cache.withLock { cache in
            if let smoother = cache.smoother { return smoother }
            let computed = makeSmoother()
            cache.smoother = computed
            return computed
        }
    }

    /// The row of target token `t` when no counts reached it.
    func fallbackRow(for t: Int) -> TokenMapping.Row {
        let unmatchedSpecial = options.paperCompat ? false : heuristics.unmatchedSpecials.contains(t)
        return cache.withLock { cache in
            if t >= 0, t < cache.fallbackRows.count, let row = cache.fallbackRows[t] { return row }
            let row = computeFallbackRow(for: t, unmatchedSpecial: unmatchedSpecial)
            if t >= 0, t < cache.fallbackRows.count { cache.fallbackRows[t] = row }
            return row
        }
    }

    // MARK: computing the parts

    private func computeHeuristics() -> Heuristics {
        var counts = CountRecording()
        var unmatchedSpecials: [Int] = []
        if options.paperCompat {
            if options.numbers { HeuristicCounts.paperNumbers(source: source, target: target, into: &counts) }
            if options.identicalStrings {
                HeuristicCounts.paperIdentical(source: source, target: target, into: &counts)
            }
            HeuristicCounts.paperSpecials(source: source, target: target, into: &counts)
        } else {
            if options.numbers { HeuristicCounts.decodedNumbers(source: source, target: target, into: &counts) }
            if options.identicalStrings {
                HeuristicCounts.decodedIdentical(source: source, target: target, into: &counts)
            }
            unmatchedSpecials = HeuristicCounts.explicitSpecials(source: source, target: target, into: &counts)
        }
        return Heuristics(counts: counts, unmatchedSpecials: Set(unmatchedSpecials))
    }

    private func makeSmoother() -> Smoother {
        let source = self.source, target = self.target
        if options.paperCompat {
            let keys = (0..<target.vocabularySize).map { target.piece(for: $0).map { Array($0.utf8) } }
            // The reference hard-codes '▁' here (pitfall 1); kept for parity.
            let wordStart = (0..<source.vocabularySize).map {
                source.piece(for: $0)?.hasScalarPrefix("\u{2581}") ?? false
            }
            return Smoother(
                .init(
                    keys: keys, inPlace: true, integer: true,
                    sourceWeight: { s in
                        s >= 0 && s < wordStart.count && wordStart[s] ? 2000 : 1000
                    }))
        }
        let specials = target.specialIDs
        let keys: [[UInt8]?] = (0..<target.vocabularySize).map { t in
            specials.contains(t) || target.piece(for: t) == nil ? nil : target.decodedBytes(for: t)
        }
        // Word-start source tokens (decoded text begins with whitespace) count double, whatever the marker.
        let wordStart = (0..<source.vocabularySize).map {
            source.decodedBytes(for: $0).first.map { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 } ?? false
        }
        return Smoother(
            .init(
                keys: keys, inPlace: false, integer: false,
                sourceWeight: { s in
                    s >= 0 && s < wordStart.count && wordStart[s] ? 2 : 1
                }))
    }

    private func computeFallbackRow(for t: Int, unmatchedSpecial: Bool) -> TokenMapping.Row {
        if options.paperCompat {
            // `get_coefficients_for_token` returns the *target* unk string, looked up in the source vocabulary;
            // missing → `remap_model`'s unk (pitfall 12, kept for parity).
            let unkPiece = target.specialTokenRoles[.unk].flatMap { target.piece(for: $0) }
            let s = unkPiece.flatMap { source.id(forPiece: $0) } ?? HeuristicCounts.sourceUnk(source)
            return TokenMapping.Row(origin: .sourceUnk, sources: [s], weights: [1])
        }
        // Documented fallback for tokens still unmapped (default mode): tokenize the token's decoded text with the
        // source tokenizer and average those rows uniformly — the token's surface form is the best remaining
        // evidence (it keeps names, affixes and punctuation close to their source spelling, unlike one shared unk
        // row that makes all such tokens indistinguishable). Tokens whose bytes are not text on their own (partial
        // UTF-8 byte tokens), holes and special tokens without a source counterpart get the mean of all source rows.
        if !unmatchedSpecial, target.piece(for: t) != nil, let text = target.decodedText(for: t), !text.isEmpty {
            let sourceSpecials = source.specialIDs // an unk piece carries no meaning
            let ids = source.encodeForTransfer(text).ids.filter {
                $0 >= 0 && $0 < source.vocabularySize && !sourceSpecials.contains($0)
            }
            if !ids.isEmpty {
                var counts: [Int: Double] = [:]
                for s in ids { counts[s, default: 0] += 1 }
                if let row = TokenMapping.normalized(counts, origin: .sourceTokenization) { return row }
            }
        }
        return TokenMapping.Row(origin: .sourceMean, sources: [], weights: [])
    }
}
