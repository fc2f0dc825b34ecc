import Entities
import Foundation

/// What the daemon needs from an incremental word aligner: pairs are added in batches, the forward (source→target)
/// direction is read by the mapping and by lookups, and the state is saved as a snapshot plus change records.
/// `IncrementalAligner` (fast_align's IBM 2 by incremental EM) and `HMMRefinedIncrementalAligner` (the same, its table
/// refined by an HMM) implement it; a workspace picks its model through `IncrementalAlignerModel`, which makes and
/// restores the aligner behind this protocol.
public protocol IncrementalWordAligner: AnyObject, Sendable {
    /// Pairs aligned so far (the pairs the current tables were built from).
    var sentenceCount: Int { get }
    /// Adds `corpus` as batch `id` to the forward direction now; the returned closure (nil without a reverse
    /// direction) updates the reverse direction and may run on another thread while only the forward direction is read.
    func addForwardFirst(batch id: Int, _ corpus: ParallelCorpus) throws -> (@Sendable () -> Void)?
    /// The forward table as the mapping reads it: no NULL word, count ≥ `minCount`, t within `beam` of the row's best.
    func alignedWordPairs(minCount: Double, beam: Double?) -> [AlignedWordPair]
    /// The forward lexical table (soft counts of the current corpus), for lookups.
    func lexicalTable(beam: Double?) -> LexicalTable
    /// A full snapshot of the state; restored by `IncrementalAlignerModel.restore`.
    func serialized() -> [UInt8]
    /// What changed since the last save, as a record replayed on the snapshot (nil when a snapshot is needed).
    func serializedChanges() -> [UInt8]?
    /// Marks the current state saved (the next `serializedChanges()` is relative to it).
    func markSaved()
}

extension IncrementalWordAligner {
    public func alignedWordPairs(minCount: Double) -> [AlignedWordPair] {
        alignedWordPairs(minCount: minCount, beam: -4)
    }
}

extension IncrementalAligner: IncrementalWordAligner {}

/// `IncrementalAlignerModel` (Entities, a workspace's `aligner` setting): how each is made and restored.
extension IncrementalAlignerModel {
    /// A new, empty aligner of this model.
    public func make(options: IncrementalOptions) -> any IncrementalWordAligner {
        switch self {
        case .ibm2: IncrementalAligner(options: options)
        case .ibm2HMM:
            HMMRefinedIncrementalAligner(
                IncrementalAligner(options: options), hmmOptions: Self.hmmOptions(threads: options.threads))
        }
    }

    /// The aligner saved as `snapshot` followed by `changes`; throws `AlignmentError` on a state it cannot decode.
    public func restore(snapshot: [UInt8], changes: [[UInt8]], threads: Int) throws -> any IncrementalWordAligner {
        switch self {
        case .ibm2: try IncrementalAligner(serialized: snapshot, changes: changes, threads: threads)
        case .ibm2HMM:
            HMMRefinedIncrementalAligner(
                try IncrementalAligner(serialized: snapshot, changes: changes, threads: threads),
                hmmOptions: Self.hmmOptions(threads: threads))
        }
    }

    /// The refinement's options: `transfer`'s (`HMMOptions()`, 4 EM iterations).
    static func hmmOptions(threads: Int) -> HMMOptions {
        var options = HMMOptions()
        options.threads = threads
        return options
    }
}
