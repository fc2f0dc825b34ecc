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

    public init(
        paperCompat: Bool = false, minCount: Double = 10, numbers: Bool = true, identicalStrings: Bool = true,
        smoothing: Bool = true
    ) {
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
    /// The vocabulary-only parts (heuristics, smoother, fallback rows); share one across mappers of the same two
    /// vocabularies and options to compute them once.
    public let prepared: PreparedVocabularies
    public let codec: WordUnitCodec
    public let sourceLexicon: WordUnitLexicon
    public let targetLexicon: WordUnitLexicon

    public var source: any TokenVocabulary { prepared.source }
    public var target: any TokenVocabulary { prepared.target }
    public var options: MappingOptions { prepared.options }

    public init(
        source: any TokenVocabulary, target: any TokenVocabulary, codec: WordUnitCodec,
        sourceLexicon: WordUnitLexicon = WordUnitLexicon(), targetLexicon: WordUnitLexicon = WordUnitLexicon(),
        options: MappingOptions
    ) {
        self.init(
            prepared: PreparedVocabularies(source: source, target: target, options: options), codec: codec,
            sourceLexicon: sourceLexicon, targetLexicon: targetLexicon)
    }

    /// A mapper reusing `prepared` (its vocabularies and options are the mapper's).
    public init(
        prepared: PreparedVocabularies, codec: WordUnitCodec,
        sourceLexicon: WordUnitLexicon = WordUnitLexicon(), targetLexicon: WordUnitLexicon = WordUnitLexicon()
    ) {
        self.prepared = prepared
        self.codec = codec
        self.sourceLexicon = sourceLexicon
        self.targetLexicon = targetLexicon
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
            guard count >= options.minCount, count > 0 else {
                stats.pairsBelowMinCount += 1
                continue
            }
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
            PairSplitter.add(
                count: count, source: s, target: t, arithmetic: options.paperCompat ? .paper : .exact, into: &table)
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
        let heuristics = prepared.heuristics
        heuristics.counts.replay(onto: &table)
        let directlyMapped = (0..<table.targetVocabularySize).filter(table.isMapped).count
        var smoothed: [Int] = []
        if options.smoothing { smoothed = prepared.smoother.smooth(&table) }
        return CompletedCounts(
            table: table, unmatchedSpecials: heuristics.unmatchedSpecials, directlyMapped: directlyMapped,
            smoothed: smoothed)
    }

    /// Step 4: normalisation and fallback.
    public func mapping(from alignment: CountTable) -> (TokenMapping, MappingReport) {
        let completed = completedCounts(from: alignment)
        let rows = (0..<completed.table.targetVocabularySize).map { t in
            TokenMapping.normalized(completed.table.rows[t], origin: completed.table.origins[t] ?? .aligned)
                ?? prepared.fallbackRow(for: t)
        }
        let mapping = TokenMapping(rows: rows, sourceVocabularySize: source.vocabularySize)
        let report = MappingReport(
            mapping: mapping, directlyMapped: completed.directlyMapped, smoothed: completed.smoothed.count,
            target: target, paperCompat: options.paperCompat)
        return (mapping, report)
    }

    public func build(from pairs: some Sequence<AlignedWordPair>) -> (TokenMapping, MappingReport) {
        let (counts, stats) = alignmentCounts(from: pairs)
        var (mapping, report) = self.mapping(from: counts)
        report.alignment = stats
        return (mapping, report)
    }
}
