import Foundation

/// The steps of a transfer, callable one by one (the daemon refreshes the mapping from new soft counts and
/// recomputes only changed rows) or in a row (`transtok transfer`).
public struct TransferPipeline: Sendable {
    public let source: any TokenVocabulary
    public let target: any TokenVocabulary
    public let options: MappingOptions
    public let codec: WordUnitCodec

    public init(source: any TokenVocabulary, target: any TokenVocabulary, options: MappingOptions) throws(TransferError) {
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
        return (WordUnitSplitter(vocabulary: source, rule: rule(source)), WordUnitSplitter(vocabulary: target, rule: rule(target)))
    }

    /// Sentence pairs (source language, target language) as word units (`known`: see `WordUnitCorpus.init`).
    public func wordUnits(_ pairs: some Sequence<(String, String)>, known: RenderedUnits = RenderedUnits()) -> WordUnitCorpus {
        let (s, t) = splitters()
        var corpus = WordUnitCorpus(codec: codec, known: known)
        for (e, f) in pairs { corpus.append(source: e, target: f, sourceSplitter: s, targetSplitter: t) }
        return corpus
    }

    /// `wordUnits` of contiguous chunks on `threads` threads (the tokenizers are safe to share), joined in order:
    /// the same sentences and lexicons as the sequential call.
    public func wordUnits(_ pairs: [(String, String)], threads: Int, known: RenderedUnits = RenderedUnits()) -> WordUnitCorpus {
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

    /// The vocabulary-only parts of this pipeline's mappings, to keep across refreshes (`mapper(_:reusing:)`).
    public func prepareVocabularies() -> PreparedVocabularies {
        PreparedVocabularies(source: source, target: target, options: options)
    }

    /// A mapper for `corpus`'s lexicons. Pass `prepared` (from this pipeline's `prepareVocabularies()`) to reuse
    /// the heuristic counts, smoother and fallback rows of earlier mappings instead of recomputing them.
    public func mapper(_ corpus: WordUnitCorpus?, reusing prepared: PreparedVocabularies? = nil) -> TokenMapper {
        if let prepared {
            precondition(prepared.options == options && prepared.source.vocabularySize == source.vocabularySize
                         && prepared.target.vocabularySize == target.vocabularySize, "prepared for another pipeline")
        }
        return TokenMapper(prepared: prepared ?? prepareVocabularies(), codec: codec, sourceLexicon: corpus?.sourceLexicon ?? WordUnitLexicon(),
                           targetLexicon: corpus?.targetLexicon ?? WordUnitLexicon())
    }

    /// New embedding (and untied head) rows for the chosen initialisation. `mapping` is used for `.transtok`.
    public func initialize(_ method: EmbeddingInit, mapping: TokenMapping, embedding: EmbeddingMatrix, head: EmbeddingMatrix?,
                           remapper: EmbeddingRemapper = EmbeddingRemapper()) throws(TransferError) -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?) {
        let rows = target.vocabularySize
        let m: TokenMapping
        switch method {
        case .transtok: m = mapping
        case .mean: m = BaselineMappings.mean(targetVocabularySize: rows, sourceVocabularySize: source.vocabularySize)
        case .copyOverlap: m = BaselineMappings.copyOverlap(source: source, target: target)
        case .random:
            return (RandomEmbedding.sample(rows: rows, like: embedding),
                    head.map { RandomEmbedding.sample(rows: rows, like: $0, seed: 0x68656164) })
        }
        let e = try remapper.remap(embedding, mapping: m)
        let h = try head.map { (h) throws(TransferError) in try remapper.remap(h, mapping: m) }
        return (e, h)
    }
}
