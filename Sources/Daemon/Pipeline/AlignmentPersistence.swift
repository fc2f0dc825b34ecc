import Engine
import Entities
import Foundation
import Logging
import Store

/// How a workspace's alignment state is kept in the store: restored at load (an unusable state is forgotten and
/// rebuilt from the corpus), saved after each cycle as a change record on top of the last snapshot (a snapshot when
/// there is none to build on), and compacted into one snapshot once the records outweigh half of it.
struct AlignmentPersistence {
    let store: Store
    let workspaceID: Int64
    let model: IncrementalAlignerModel
    let threads: Int
    let logger: Logger

    /// Bytes of the saved snapshot and of the change records saved after it.
    struct SavedSizes {
        var snapshotBytes = 0
        var changeBytes = 0

        mutating func record(_ saved: Saved) {
            if let snapshot = saved.snapshotBytes {
                (snapshotBytes, changeBytes) = (snapshot, 0)
            } else {
                changeBytes += saved.changeBytes
            }
        }

        /// Loading replays every record, and each holds counts that later ones overwrite: past half the snapshot,
        /// one snapshot replaces them.
        var compactionDue: Bool { changeBytes > snapshotBytes / 2 }
    }

    /// What a background save wrote (a snapshot, or a change record of `changeBytes`) and its steps' times.
    struct Saved: Sendable {
        var snapshotBytes: Int?
        var changeBytes = 0
        var steps: [(name: String, seconds: Double)] = []
    }

    /// The restored aligner and the alignment's position.
    struct Restored {
        var aligner: any IncrementalWordAligner
        var appliedSeq: Int64
        var generation: Int
        var sizes: SavedSizes
    }

    /// The options of the daemon's aligners: the mapping and lookups read only the forward table.
    static func options(threads: Int) -> IncrementalOptions {
        var options = IncrementalOptions()
        options.reverseDirection = false
        options.threads = threads
        return options
    }

    /// A new, empty aligner of the workspace's model.
    func makeAligner() -> any IncrementalWordAligner { model.make(options: Self.options(threads: threads)) }

    /// The saved alignment, or nil when there is none or it cannot be used (a file missing, truncated or failing its
    /// checksum, or a state the decoder refuses — it bounds-checks every offset): then the row is forgotten with a
    /// logged error, every pair event is pending again and the next cycle realigns the corpus from the store, which
    /// loses nothing (the corpus is the truth).
    func restore() throws -> Restored? {
        let saved: AlignmentStateRecord?
        do {
            saved = try store.alignmentState(workspaceID: workspaceID)
        } catch let error as AlignmentStateUnreadable {
            try forgetUnreadableState(error)
            return nil
        }
        guard let saved else { return nil }
        do {
            let aligner = try model.restore(snapshot: saved.state, changes: saved.changes, threads: threads)
            return Restored(
                aligner: aligner, appliedSeq: saved.appliedSeq, generation: saved.generation,
                sizes: SavedSizes(snapshotBytes: saved.snapshotBytes, changeBytes: saved.changeBytes))
        } catch {
            try forgetUnreadableState(error)
            return nil
        }
    }

    private func forgetUnreadableState(_ error: any Error) throws {
        logger.error(
            "the saved alignment state cannot be used; rebuilding it from the corpus",
            metadata: [
                "workspace.id": "\(workspaceID)", "error": "\(error)",
            ])
        try store.forgetAlignmentState(workspaceID: workspaceID)
    }

    /// Starts saving the alignment on its own thread: first the reverse direction's update (if any), then a change
    /// record — or a snapshot when there is none to build on or the record would be larger than the last snapshot
    /// (a small corpus, where the update touched nearly all of it). Join it before publishing a checkpoint that
    /// reflects this alignment, so the alignment (with its event position) is always durable first.
    func startSaving(
        _ aligner: any IncrementalWordAligner, reverseUpdate: (@Sendable () -> Void)?, generation: Int,
        appliedSeq: Int64,
        sizes: SavedSizes
    ) -> BackgroundJob<Saved> {
        let (store, workspaceID, lastSnapshotBytes) = (self.store, self.workspaceID, sizes.snapshotBytes)
        return BackgroundJob(name: "transtok-save-alignment") { () throws -> Saved in
            var clock = StepClock()
            if let reverseUpdate {
                reverseUpdate()
                clock.lap("align reverse direction (background)")
            }
            var saved = Saved()
            if let changes = aligner.serializedChanges(), changes.count <= lastSnapshotBytes {
                try store.appendAlignmentChanges(
                    workspaceID: workspaceID, generation: generation, appliedSeq: appliedSeq,
                    pairCount: aligner.sentenceCount, changes: changes)
                saved.changeBytes = changes.count
            } else {
                let snapshot = aligner.serialized()
                try store.saveAlignmentState(
                    workspaceID: workspaceID,
                    AlignmentStateRecord(
                        generation: generation, appliedSeq: appliedSeq, pairCount: aligner.sentenceCount,
                        state: snapshot))
                aligner.markSaved()
                saved.snapshotBytes = snapshot.count
            }
            clock.lap("save alignment state (background)")
            saved.steps = clock.laps
            return saved
        }
    }

    /// Replaces the snapshot and its change records by one snapshot when they are due (after a publish). A failure
    /// leaves the snapshot and its records as they were (still complete): it is logged and tried again after the
    /// next cycle. Returns whether a compaction was attempted.
    @discardableResult
    func compactIfDue(_ state: inout WorkspaceState) -> Bool {
        guard state.savedAlignment.compactionDue else { return false }
        let snapshot = state.aligner.serialized()
        do {
            try store.saveAlignmentState(
                workspaceID: workspaceID,
                AlignmentStateRecord(
                    generation: state.generation, appliedSeq: state.appliedSeq, pairCount: state.aligner.sentenceCount,
                    state: snapshot))
            state.aligner.markSaved()
            state.savedAlignment = SavedSizes(snapshotBytes: snapshot.count, changeBytes: 0)
        } catch {
            logger.warning(
                "cannot compact the alignment state; keeping its change records",
                metadata: [
                    "workspace": "\(state.spec.name)", "error": "\(error)",
                ])
        }
        return true
    }
}
