import Foundation
import Systems

extension IncrementalAligner {
    /// The forward direction's sentences (every batch, in order) as one corpus in the direction's own word ids.
    func forwardCorpus() -> ParallelCorpus {
        var corpus = ParallelCorpus()
        corpus.sourceVocabulary = forward.source
        corpus.targetVocabulary = forward.target
        for batch in forward.batches {
            for k in 0..<batch.count {
                corpus.append(
                    sourceIDs: batch.sourceIDs[batch.sourceStarts[k]..<batch.sourceStarts[k + 1]],
                    targetIDs: batch.targetIDs[batch.targetStarts[k]..<batch.targetStarts[k + 1]],
                    line: corpus.count + 1)
            }
        }
        return corpus
    }

    /// An HMM (jump-width transitions, `HMMModel`) trained on every stored sentence, its lexical table started from
    /// this aligner's forward t(f|e) instead of a batch IBM 2: the refinement `transfer`'s `best` aligner applies to
    /// its batch IBM 2, here applied to the incremental one.
    public func hmmRefinement(options: HMMOptions) throws -> HMMModel {
        var ibmOptions = FastAlignOptions.fastAlign
        ibmOptions.threads = options.threads
        let seed = FastAlignModel(corpus: forwardCorpus(), options: ibmOptions)
        let d = forward
        let alpha = d.options.alpha
        // Same expression as `IncrementalDirection.refreshProbabilities(of:)`; the word ids are shared.
        seed.seedProbabilities { e, f in
            let p = d.pairs.index(e, f)
            return p < 0 ? 0 : exp(fastAlignDigamma(d.counts[Int(p)] + alpha) - d.rowDigammas[Int(e)])
        }
        var hmmOptions = options
        hmmOptions.reverse = false
        let hmm = try HMMModel(initializedFrom: seed, options: hmmOptions)
        hmm.train()
        return hmm
    }
}

extension ParallelCorpus {
    /// Appends a pair given in this corpus's word ids.
    mutating func append(sourceIDs source: ArraySlice<Int32>, targetIDs target: ArraySlice<Int32>, line: Int) {
        sourceIDs.append(contentsOf: source)
        targetIDs.append(contentsOf: target)
        sourceStarts.append(sourceIDs.count)
        targetStarts.append(targetIDs.count)
        lineNumbers.append(line)
    }
}

/// The incremental IBM 2 whose tables are refined by an HMM over the stored corpus when read (`ibm2-hmm`): the
/// state, its saving and its additions are the IBM 2's (so switching between the two models needs no realignment);
/// the HMM is derived data, computed on the first read after a change and kept until the next addition.
public final class HMMRefinedIncrementalAligner: IncrementalWordAligner, @unchecked Sendable {
    public let base: IncrementalAligner
    public let hmmOptions: HMMOptions
    private let refined = Locked<LexicalTable?>(nil)

    public init(_ base: IncrementalAligner, hmmOptions: HMMOptions) {
        self.base = base
        self.hmmOptions = hmmOptions
    }

    public var sentenceCount: Int { base.sentenceCount }

    public func addForwardFirst(batch id: Int, _ corpus: ParallelCorpus) throws -> (@Sendable () -> Void)? {
        refined.withLock { $0 = nil }
        return try base.addForwardFirst(batch: id, corpus)
    }

    /// The HMM's forward table (fast_align's beam t ≥ max⁴ per source word, as `transfer --aligner best`), computed
    /// once per change.
    public func refinedTable() throws -> LexicalTable {
        if let table = refined.value { return table }
        let table = TransferPipeline.lexicalTable(try base.hmmRefinement(options: hmmOptions))
        refined.withLock { $0 = table }
        return table
    }

    public func alignedWordPairs(minCount: Double, beam: Double?) -> [AlignedWordPair] {
        lexicalTable(beam: beam).rows.compactMap { row in
            guard row.count >= minCount, row.source != AlignedWordPair.nullWord, row.target != AlignedWordPair.nullWord
            else { return nil }
            return AlignedWordPair(
                source: row.source, target: row.target, logProbability: row.logProbability, count: row.count)
        }
    }

    /// The refined table; it always keeps the HMM's own beam (t ≥ max⁴), whatever `beam` asks. An HMM that cannot
    /// be built (it refuses only mismatched directions, which cannot happen here) falls back to the IBM 2's table.
    public func lexicalTable(beam: Double?) -> LexicalTable {
        (try? refinedTable()) ?? base.lexicalTable(beam: beam)
    }

    public func serialized() -> [UInt8] { base.serialized() }
    public func serializedChanges() -> [UInt8]? { base.serializedChanges() }
    public func markSaved() { base.markSaved() }
}
