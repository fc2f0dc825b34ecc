/// Options of the mapping step. The default fixes the reference's pitfalls; `paperCompat` reproduces
/// `map_tokens` + `smooth_mapping` + `get_coefficients_for_token` exactly (integer counts, piece strings,
/// in-place smoothing in id order, unk fallback).
public struct MappingOptions: Sendable, Equatable {
    public var paperCompat: Bool
    /// Pairs whose count is below this are dropped (paper: after truncation to an integer; default: on the soft
    /// count).
    public var minCount: Double
    public var numbers: Bool
    public var identicalStrings: Bool
    public var smoothing: Bool

    public init(paperCompat: Bool = false, minCount: Double = 10, numbers: Bool = true, identicalStrings: Bool = true, smoothing: Bool = true) {
        self.paperCompat = paperCompat
        self.minCount = minCount
        self.numbers = numbers
        self.identicalStrings = identicalStrings
        self.smoothing = smoothing
    }

    public static let paper = MappingOptions(paperCompat: true)
}

/// Turns the aligner's soft counts into a `TokenMapping` (§1.6–1.7).
public struct TokenMapper: Sendable {
    public let source: any TokenVocabulary
    public let target: any TokenVocabulary
    public let codec: WordUnitCodec
    public let sourceLexicon: WordUnitLexicon
    public let targetLexicon: WordUnitLexicon
    public let options: MappingOptions

    public init(source: any TokenVocabulary, target: any TokenVocabulary, codec: WordUnitCodec,
                sourceLexicon: WordUnitLexicon = WordUnitLexicon(), targetLexicon: WordUnitLexicon = WordUnitLexicon(),
                options: MappingOptions) {
        self.source = source
        self.target = target
        self.codec = codec
        self.sourceLexicon = sourceLexicon
        self.targetLexicon = targetLexicon
        self.options = options
    }

    public struct AlignmentStatistics: Sendable, Equatable {
        public var pairsUsed = 0
        public var pairsBelowMinCount = 0
        public var pairsWithNull = 0
        /// Pieces of aligned units that are not in the vocabulary (source ones go to the source unk).
        public var unresolvedSourcePieces = 0
        public var unresolvedTargetPieces = 0
    }

    /// Step 1: alignment counts split into token pairs.
    public func alignmentCounts(from pairs: some Sequence<AlignedWordPair>) -> (CountTable, AlignmentStatistics) {
        var table = CountTable(targetVocabularySize: target.vocabularySize)
        var stats = AlignmentStatistics()
        let unk = HeuristicCounts.sourceUnk(source)
        for pair in pairs {
            if pair.source == AlignedWordPair.nullWord || pair.target == AlignedWordPair.nullWord {
                stats.pairsWithNull += 1
                continue
            }
            let count = options.paperCompat ? pair.count.rounded(.towardZero) : pair.count
            guard count >= options.minCount, count > 0 else { stats.pairsBelowMinCount += 1; continue }
            let s: [Int] = resolve(pair.source, sourceLexicon, source).map {
                if $0 == nil { stats.unresolvedSourcePieces += 1 }
                return $0 ?? unk
            }
            // An unknown target piece keeps its place in the split (id -1, never stored), like the reference's
            // pseudo-token whose row is never read.
            let t: [Int] = resolve(pair.target, targetLexicon, target).map {
                if $0 == nil { stats.unresolvedTargetPieces += 1 }
                return $0 ?? -1
            }
            PairSplitter.add(count: count, source: s, target: t, arithmetic: options.paperCompat ? .paper : .exact, into: &table)
            stats.pairsUsed += 1
        }
        return (table, stats)
    }

    private func resolve(_ unit: String, _ lexicon: WordUnitLexicon, _ vocabulary: any TokenVocabulary) -> [Int?] {
        if let ids = lexicon[unit] { return ids }
        return codec.parse(unit, in: vocabulary)
    }

    /// Counts after heuristics, special tokens and smoothing, before normalisation.
    public struct CompletedCounts: Sendable {
        public var table: CountTable
        /// Target special/added tokens without a source counterpart (default mode; they get the mean row).
        public var unmatchedSpecials: Set<Int>
        /// Rows with evidence before smoothing.
        public var directlyMapped: Int
        public var smoothed: [Int]
    }

    /// Steps 2–3: heuristics, special tokens and smoothing.
    public func completedCounts(from alignment: CountTable) -> CompletedCounts {
        var table = alignment
        var unmatchedSpecials: [Int] = []
        if options.paperCompat {
            if options.numbers { HeuristicCounts.paperNumbers(source: source, target: target, into: &table) }
            if options.identicalStrings { HeuristicCounts.paperIdentical(source: source, target: target, into: &table) }
            HeuristicCounts.paperSpecials(source: source, target: target, into: &table)
        } else {
            if options.numbers { HeuristicCounts.decodedNumbers(source: source, target: target, into: &table) }
            if options.identicalStrings { HeuristicCounts.decodedIdentical(source: source, target: target, into: &table) }
            unmatchedSpecials = HeuristicCounts.explicitSpecials(source: source, target: target, into: &table)
        }
        let directlyMapped = (0..<table.targetVocabularySize).filter(table.isMapped).count
        var smoothed: [Int] = []
        if options.smoothing { smoothed = makeSmoother().smooth(&table) }
        return CompletedCounts(table: table, unmatchedSpecials: Set(unmatchedSpecials), directlyMapped: directlyMapped, smoothed: smoothed)
    }

    /// Step 4: normalisation and fallback.
    public func mapping(from alignment: CountTable) -> (TokenMapping, MappingReport) {
        let completed = completedCounts(from: alignment)
        let rows = (0..<completed.table.targetVocabularySize).map { t in
            row(for: t, completed.table, unmatchedSpecial: completed.unmatchedSpecials.contains(t))
        }
        let mapping = TokenMapping(rows: rows, sourceVocabularySize: source.vocabularySize)
        let report = MappingReport(mapping: mapping, directlyMapped: completed.directlyMapped, smoothed: completed.smoothed.count,
                                   target: target, paperCompat: options.paperCompat)
        return (mapping, report)
    }

    public func build(from pairs: some Sequence<AlignedWordPair>) -> (TokenMapping, MappingReport) {
        let (counts, stats) = alignmentCounts(from: pairs)
        var (mapping, report) = self.mapping(from: counts)
        report.alignment = stats
        return (mapping, report)
    }

    private func makeSmoother() -> Smoother {
        if options.paperCompat {
            let keys = (0..<target.vocabularySize).map { target.piece(for: $0).map { Array($0.utf8) } }
            // The reference hard-codes '▁' here (pitfall 1); kept for parity.
            let wordStart = (0..<source.vocabularySize).map { source.piece(for: $0)?.hasScalarPrefix("\u{2581}") ?? false }
            return Smoother(.init(keys: keys, inPlace: true, integer: true, sourceWeight: { s in
                s >= 0 && s < wordStart.count && wordStart[s] ? 2000 : 1000
            }))
        }
        let specials = target.specialIDs
        let keys: [[UInt8]?] = (0..<target.vocabularySize).map { t in
            specials.contains(t) || target.piece(for: t) == nil ? nil : target.decodedBytes(for: t)
        }
        // Word-start source tokens (decoded text begins with whitespace) count double, whatever the marker.
        let wordStart = (0..<source.vocabularySize).map { source.decodedBytes(for: $0).first.map { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 } ?? false }
        return Smoother(.init(keys: keys, inPlace: false, integer: false, sourceWeight: { s in
            s >= 0 && s < wordStart.count && wordStart[s] ? 2 : 1
        }))
    }

    private func row(for t: Int, _ table: CountTable, unmatchedSpecial: Bool) -> TokenMapping.Row {
        if let row = TokenMapping.normalized(table.rows[t], origin: table.origins[t] ?? .aligned) { return row }
        if options.paperCompat {
            // `get_coefficients_for_token` returns the *target* unk string, looked up in the source vocabulary;
            // missing → `remap_model`'s unk (pitfall 12, kept for parity).
            let unkPiece = target.specialTokenRoles[.unk].flatMap { target.piece(for: $0) }
            let s = unkPiece.flatMap { source.id(forPiece: $0) } ?? HeuristicCounts.sourceUnk(source)
            return TokenMapping.Row(origin: .sourceUnk, sources: [s], weights: [1])
        }
        return fallbackRow(for: t, unmatchedSpecial: unmatchedSpecial)
    }

    /// Documented fallback for tokens still unmapped (default mode): tokenize the token's decoded text with the
    /// source tokenizer and average those rows uniformly — the token's surface form is the best remaining evidence
    /// (it keeps names, affixes and punctuation close to their source spelling, unlike one shared unk row that
    /// makes all such tokens indistinguishable). Tokens whose bytes are not text on their own (partial UTF-8 byte
    /// tokens), holes and special tokens without a source counterpart get the mean of all source rows.
    private func fallbackRow(for t: Int, unmatchedSpecial: Bool) -> TokenMapping.Row {
        if !unmatchedSpecial, target.piece(for: t) != nil, let text = target.decodedText(for: t), !text.isEmpty {
            let sourceSpecials = source.specialIDs  // an unk piece carries no meaning
            let ids = source.encodeForTransfer(text).ids.filter { $0 >= 0 && $0 < source.vocabularySize && !sourceSpecials.contains($0) }
            if !ids.isEmpty {
                var counts: [Int: Double] = [:]
                for s in ids { counts[s, default: 0] += 1 }
                if let row = TokenMapping.normalized(counts, origin: .sourceTokenization) { return row }
            }
        }
        return TokenMapping.Row(origin: .sourceMean, sources: [], weights: [])
    }
}
