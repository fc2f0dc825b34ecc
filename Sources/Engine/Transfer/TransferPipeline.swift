import Foundation

/// The steps of a transfer, callable one by one (the daemon refreshes the mapping from new soft counts and
/// recomputes only changed rows) or in a row (`transtok transfer`).
public struct TransferPipeline: Sendable {
    public let source: any TokenVocabulary
    public let target: any TokenVocabulary
    public let options: MappingOptions
    public let codec: WordUnitCodec

    public init(source: any TokenVocabulary, target: any TokenVocabulary, options: MappingOptions) throws(TransferError)
    {
        self.source = source
        self.target = target
        self.options = options
        codec = options.paperCompat ? .paper : try .privateUse([source, target])
    }

    /// Word boundaries: the reference regex on pieces (paper) or decoded-text boundaries (default).
    public func splitters() -> (source: WordUnitSplitter, target: WordUnitSplitter) {
        func rule(_ v: any TokenVocabulary) -> WordBoundaryRule {
            guard options.paperCompat else { return .decodedText }
            let m = v.wordMarkers
            return .paperRegex(wordStart: m.wordStart, continuation: m.continuation)
        }
        return (
            WordUnitSplitter(vocabulary: source, rule: rule(source)),
            WordUnitSplitter(vocabulary: target, rule: rule(target))
        )
    }

    /// Sentence pairs (source language, target language) as word units (`known`: see `WordUnitCorpus.init`).
    public func wordUnits(_ pairs: some Sequence<(String, String)>, known: RenderedUnits = RenderedUnits())
        -> WordUnitCorpus
    {
        let (s, t) = splitters()
        var corpus = WordUnitCorpus(codec: codec, known: known)
        for (e, f) in pairs { corpus.append(source: e, target: f, sourceSplitter: s, targetSplitter: t) }
        return corpus
    }

    /// `wordUnits` of contiguous chunks on `threads` threads (the tokenizers are safe to share), joined in order:
    /// the same sentences and lexicons as the sequential call.
    public func wordUnits(_ pairs: [(String, String)], threads: Int, known: RenderedUnits = RenderedUnits())
        -> WordUnitCorpus
    {
        let chunks = max(1, min(threads, pairs.count / 256))
        guard chunks > 1 else { return wordUnits(pairs, known: known) }
        let parts = ResultSlots<WordUnitCorpus>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let range = (pairs.count * c / chunks)..<(pairs.count * (c + 1) / chunks)
            parts.set(c, wordUnits(pairs[range], known: known))
        }
        var corpus = WordUnitCorpus(codec: codec, known: known)
        for part in parts.values() { if let part { corpus.append(contentsOf: part) } }
        return corpus
    }

    /// The paper's aligner: IBM Model 1 with NULL, `-I 7`, counts of the penultimate pass, beam −4.
    public static func align(_ corpus: WordUnitCorpus, threads: Int = 1) -> LexicalTable {
        var options = FastAlignOptions.paperModel1
        options.threads = threads
        let model = FastAlignModel(corpus: corpus.parallelCorpus, options: options)
        model.train()
        return model.lexicalTable()
    }

    /// The aligner `transtok transfer` uses when none is named (the paper-compatible path always uses `.ibm1`).
    /// Chosen by `transtok-bench quality`: `best` has the lowest held-out bits/byte averaged over the language pairs
    /// (en–es 2.545 vs IBM 1's 2.837; en–grc 1.620 vs 1.615; figures and command in docs/method.md).
    public static let defaultAligner: AlignerModel = .best

    /// Soft counts for the mapping from the chosen aligner, source → target direction (the source word conditions):
    /// `.ibm1` the paper's table (above); `.fastalign` fast_align `-d -o -v` (IBM 2, 5 passes), the expected counts
    /// of its last update pass; `.best` that IBM 2 refined by the HMM (`HMMOptions()`), the expected counts of the
    /// HMM's last E-step with its t(f|e). Every table keeps fast_align's beam t ≥ max⁴ per source word.
    public static func align(_ corpus: WordUnitCorpus, with aligner: AlignerModel, threads: Int = 1) throws
        -> LexicalTable
    {
        guard let table = try alignTables(corpus, with: [aligner], threads: threads)[aligner] else {
            preconditionFailure("alignTables returns a table for every aligner it is asked for")
        }
        return table
    }

    /// The tables of several aligners at once (`.fastalign` and `.best` share the IBM 2 they both train).
    public static func alignTables(_ corpus: WordUnitCorpus, with aligners: Set<AlignerModel>, threads: Int = 1) throws
        -> [AlignerModel: LexicalTable]
    {
        var tables: [AlignerModel: LexicalTable] = [:]
        if aligners.contains(.ibm1) { tables[.ibm1] = align(corpus, threads: threads) }
        guard aligners.contains(.fastalign) || aligners.contains(.best) else { return tables }
        var options = FastAlignOptions.fastAlign
        options.threads = threads
        let ibm = FastAlignModel(corpus: corpus.parallelCorpus, options: options)
        ibm.train()
        if aligners.contains(.fastalign) { tables[.fastalign] = ibm.lexicalTable() }
        if aligners.contains(.best) {
            var hmmOptions = HMMOptions()
            hmmOptions.threads = threads
            let hmm = try HMMModel(initializedFrom: ibm, options: hmmOptions)
            hmm.train()
            tables[.best] = lexicalTable(hmm)
        }
        return tables
    }

    /// The HMM's table in the fast_align `-p` layout: rows grouped by conditioning word (NULL first), then pair
    /// index; `ln t(f|e)` after the last M-step, the count of the last E-step; beam `t ≥ (max_f t)⁴`.
    static func lexicalTable(_ hmm: HMMModel, beam: Double = -4) -> LexicalTable {
        let e = hmm.pairs.conditioning, f = hmm.pairs.generated
        let t = hmm.probabilities, counts = hmm.counts
        var maxima = [Double](repeating: 0, count: hmm.corpus.sourceVocabulary.count)
        for p in t.indices { maxima[Int(e[p])] = max(maxima[Int(e[p])], t[p]) }
        let order = t.indices.sorted { (e[$0], $0) < (e[$1], $1) }
        var rows: [LexicalTable.Row] = []
        rows.reserveCapacity(order.count)
        for p in order where t[p] > 0 && log(t[p]) >= -log(maxima[Int(e[p])]) * beam {
            rows.append(
                LexicalTable.Row(
                    source: hmm.corpus.sourceVocabulary.display(e[p]),
                    target: hmm.corpus.targetVocabulary.display(f[p]),
                    logProbability: log(t[p]), count: counts[p]))
        }
        return LexicalTable(rows: rows)
    }

    /// The vocabulary-only parts of this pipeline's mappings, to keep across refreshes (`mapper(_:reusing:)`).
    public func prepareVocabularies() -> PreparedVocabularies {
        PreparedVocabularies(source: source, target: target, options: options)
    }

    /// A mapper for `corpus`'s lexicons. Pass `prepared` (from this pipeline's `prepareVocabularies()`) to reuse
    /// the heuristic counts, smoother and fallback rows of earlier mappings instead of recomputing them.
    public func mapper(_ corpus: WordUnitCorpus?, reusing prepared: PreparedVocabularies? = nil) -> TokenMapper {
        if let prepared {
            precondition(
                prepared.options == options && prepared.source.vocabularySize == source.vocabularySize
                    && prepared.target.vocabularySize == target.vocabularySize, "prepared for another pipeline")
        }
        return TokenMapper(
            prepared: prepared ?? prepareVocabularies(), codec: codec,
            sourceLexicon: corpus?.sourceLexicon ?? WordUnitLexicon(),
            targetLexicon: corpus?.targetLexicon ?? WordUnitLexicon())
    }

    /// New embedding (and untied head) rows for the chosen initialisation. `mapping` is used for `.transtok`.
    public func initialize(
        _ method: EmbeddingInit, mapping: TokenMapping, embedding: EmbeddingMatrix, head: EmbeddingMatrix?,
        remapper: EmbeddingRemapper = EmbeddingRemapper()
    ) throws(TransferError) -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?) {
        let rows = target.vocabularySize
        let m: TokenMapping
        switch method {
        case .transtok: m = mapping
        case .mean: m = BaselineMappings.mean(targetVocabularySize: rows, sourceVocabularySize: source.vocabularySize)
        case .copyOverlap: m = BaselineMappings.copyOverlap(source: source, target: target)
        case .random:
            return (
                RandomEmbedding.sample(rows: rows, like: embedding),
                head.map { RandomEmbedding.sample(rows: rows, like: $0, seed: 0x68656164) }
            )
        }
        let e = try remapper.remap(embedding, mapping: m)
        let h = try head.map { (h) throws(TransferError) in try remapper.remap(h, mapping: m) }
        return (e, h)
    }
}
