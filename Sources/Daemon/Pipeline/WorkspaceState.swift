import Engine
import Entities
import Foundation
import Store

/// Everything a workspace's cycle derives from the source model, the frozen target tokenizer and the corpus so far.
/// Owned by one `WorkspacePipeline` (on the pipeline thread); a cycle takes it, changes it and stores it back.
struct WorkspaceState {
    var spec: WorkspaceSpec
    var model: SourceModel
    var target: Tokenizer
    var targetTokenizerPath: String
    var transfer: TransferPipeline
    /// The mapping's vocabulary-only parts (heuristic counts, smoother, fallback rows), computed once per load.
    var preparedVocabularies: PreparedVocabularies
    var aligner: any IncrementalWordAligner
    var appliedSeq: Int64
    var generation: Int
    var sourceLexicon: WordUnitLexicon
    var targetLexicon: WordUnitLexicon
    /// Every unit the lexicons hold, rendered, by its ids: a cycle renders only units it has not seen before.
    var renderedUnits = RenderedUnits()
    var mapping: TokenMapping?
    var embedding: EmbeddingMatrix?
    var head: EmbeddingMatrix?
    /// Bytes of the saved alignment snapshot and of the change records saved after it (the compaction policy).
    var savedAlignment = AlignmentPersistence.SavedSizes()

    /// The dtype this workspace's checkpoints are written in.
    var outputDType: TensorDType {
        model.outputDType(spec.outputDType ?? .auto)
    }

    /// Forgets the alignment and the lexicons (before re-aligning every active pair).
    mutating func resetAlignment(_ aligner: any IncrementalWordAligner) {
        self.aligner = aligner
        sourceLexicon = WordUnitLexicon()
        targetLexicon = WordUnitLexicon()
        renderedUnits = RenderedUnits() // (known units would not be recorded into the new lexicons)
    }

    /// Word units of `pairs`, recorded in the lexicons and added as one batch to the forward direction; returns the
    /// reverse direction's update (nil when the aligner has none).
    mutating func align(
        _ pairs: [(source: String, target: String)], batch: Int, threads: Int, clock: inout StepClock
    ) throws -> (@Sendable () -> Void)? {
        let corpus = transfer.wordUnits(pairs.map { ($0.source, $0.target) }, threads: threads, known: renderedUnits)
        for (unit, ids) in corpus.sourceLexicon.units { sourceLexicon.record(unit, ids) }
        for (unit, ids) in corpus.targetLexicon.units { targetLexicon.record(unit, ids) }
        renderedUnits.merge(corpus.rendered)
        clock.lap("word units")
        return try aligner.addForwardFirst(batch: batch, corpus.parallelCorpus)
    }

    /// The token mapping from the soft counts of the whole corpus, and its report.
    func buildMapping() -> (TokenMapping, MappingReport) {
        var lexicons = WordUnitCorpus(codec: transfer.codec)
        lexicons.sourceLexicon = sourceLexicon
        lexicons.targetLexicon = targetLexicon
        // Only the pairs the mapping keeps (no NULL word, count ≥ minCount), computed in ids by the aligner.
        let alignedPairs = aligner.alignedWordPairs(minCount: transfer.options.minCount)
        return transfer.mapper(lexicons, reusing: preparedVocabularies).build(from: alignedPairs)
    }

    /// The rows a refresh recomputed: all rows whose mapping changed, split (when the tables were tuned) into those
    /// re-initialised from the new mapping and those whose tuned offset was carried onto it (`TunedRowCarry`).
    struct RowRefresh {
        var changed: [Int]
        var reinitialised: [Int]
        var carried: [Int]
    }

    /// Recomputes only the embedding (and head) rows whose weights changed under `mapping` (all rows the first time)
    /// and makes `mapping` current. Without `carry` every changed row gets the new mapping's initialisation; with it
    /// (the tables hold tuned rows) a changed row keeps its tuned offset from the old initialisation unless the change
    /// is material (`TunedRowCarry.carry`, decided on the input embedding and applied to the head alike).
    mutating func refreshRows(for mapping: TokenMapping, threads: Int, carry: TunedRowCarry? = nil) throws
        -> RowRefresh
    {
        let remapper = EmbeddingRemapper(kernel: .saxpy, parallelism: threads)
        let changed = self.mapping.map { mapping.changedTargetIDs(comparedTo: $0) } ?? Array(mapping.rows.indices)
        if var embedding, let old = self.mapping {
            self.embedding = nil // (one reference: the rows are changed in place)
            var refresh = RowRefresh(changed: changed, reinitialised: changed, carried: [])
            if let carry {
                let plan = try carry.carry(
                    changed, old: old, new: mapping, source: model.embedding, to: &embedding, remapper: remapper)
                if var head, let sourceHead = model.head {
                    self.head = nil
                    try carry.apply(plan, old: old, new: mapping, source: sourceHead, to: &head, remapper: remapper)
                    self.head = head
                }
                refresh.reinitialised = plan.reinitialised
                refresh.carried = plan.carried
            } else {
                try remapper.remapRows(changed, of: model.embedding, mapping: mapping, into: &embedding)
                if var head, let sourceHead = model.head {
                    self.head = nil
                    try remapper.remapRows(changed, of: sourceHead, mapping: mapping, into: &head)
                    self.head = head
                }
            }
            self.embedding = embedding
            self.mapping = mapping
            return refresh
        }
        embedding = try remapper.remap(model.embedding, mapping: mapping)
        head = try model.head.map { (h) throws(TransferError) in try remapper.remap(h, mapping: mapping) }
        self.mapping = mapping
        return RowRefresh(changed: changed, reinitialised: changed, carried: [])
    }
}
