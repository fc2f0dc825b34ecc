import Engine
import Entities
import Foundation
import Logging
import Store

/// One workspace's refresh cycle: new pair events → word units → incremental alignment → token mapping →
/// recompute only the embedding rows whose weights changed → a new checkpoint. It composes the parts that do each
/// job (`WorkspaceStateLoader`, `AlignmentPersistence`, `CheckpointAssembler`, `CheckpointPublisher`) and answers
/// lookups and Hydra exports from the same state. Runs on the pipeline's own thread (never the cooperative pool);
/// not thread-safe by itself.
final class WorkspacePipeline {
    let workspaceID: Int64
    let store: Store
    let publisher: CheckpointPublisher
    let logger: Logger
    let threads: Int
    private let loader: WorkspaceStateLoader
    private let assembler: CheckpointAssembler
    private let hydra: HydraExport
    /// The workspace's background embedding tuning (#15; `TuningJob.swift`).
    private let tuning: WorkspaceTuning
    /// The state kept between cycles (nil until first used, and after a failed cycle).
    private var loaded: WorkspaceState?
    /// What lookups read from any thread, without waiting for a running cycle (published after a load and a cycle).
    let lookups = LookupSnapshotSlot()
    /// Test-only: `TRANSTOK_TEST_CYCLE_DELAY_SECONDS` makes every cycle wait that long (cancellably, as the step
    /// "test delay") after aligning, so process-level tests can act during a running cycle. Never set in production.
    static let testCycleDelay = ProcessInfo.processInfo.environment["TRANSTOK_TEST_CYCLE_DELAY_SECONDS"].flatMap(
        Double.init)
    /// The relative movement of a tuned row's initialisation above which a cycle re-initialises it
    /// (`TunedRowCarry`); `TRANSTOK_TUNE_REINIT_THRESHOLD` overrides it for the measurement that chose it
    /// (scripts/bench/daemon-tuning-cycles.sh).
    static let carryThreshold =
        ProcessInfo.processInfo.environment["TRANSTOK_TUNE_REINIT_THRESHOLD"].flatMap(Float.init).flatMap {
            $0 >= 0 ? $0 : nil
        } ?? TunedRowCarry.defaultThreshold
    /// Test-only: with `TRANSTOK_TEST_CYCLE_DELAY_UNINTERRUPTIBLE=1` the test delay ignores cancellation, standing
    /// for a step that cannot be interrupted (the shutdown grace period is then what bounds SIGTERM).
    static let testCycleDelayIsUninterruptible =
        ProcessInfo.processInfo.environment["TRANSTOK_TEST_CYCLE_DELAY_UNINTERRUPTIBLE"] == "1"

    struct Outcome: Sendable {
        var checkpoint: CheckpointRecord?
        var pairsAdded: Int
        var pairsRetracted: Int
        var rowsRecomputed: Int
        var seconds: Double
        /// Wall seconds per step, in order (for the log, the manifest statistics and the benchmark).
        var steps: [(name: String, seconds: Double)]
    }

    init(
        workspaceID: Int64, store: Store, publisher: CheckpointPublisher, stateDirectory: String, logger: Logger,
        threads: Int, tuning: WorkspaceTuning
    ) {
        self.tuning = tuning
        self.workspaceID = workspaceID
        self.store = store
        self.publisher = publisher
        self.logger = logger
        self.threads = threads
        loader = WorkspaceStateLoader(
            store: store, workspaceID: workspaceID, stateDirectory: stateDirectory, threads: threads, logger: logger)
        assembler = CheckpointAssembler(stateDirectory: stateDirectory, logger: logger)
        hydra = HydraExport(stateDirectory: stateDirectory)
    }

    /// Pair events not yet in the alignment, and whether the newest alignment still lacks a checkpoint.
    /// After a tokenizer reset there is no alignment state: every event is pending again.
    func pending() throws -> (events: Int64, checkpointMissing: Bool) {
        let applied = try store.alignmentAppliedSeq(workspaceID: workspaceID) ?? 0
        let latest = try store.latestPairEvent(workspaceID: workspaceID)
        let checkpointed = try store.checkpoints(workspaceID: workspaceID).first?.appliedSeq ?? 0
        return (latest - applied, applied > checkpointed)
    }

    /// Runs one cycle. `progress` receives (fraction, step) for status. After a failure the in-memory state is
    /// dropped and the next cycle reloads it from the store: the aligner is mutated in place, so keeping it would
    /// apply the failed cycle's pair events a second time. `isCancelled` is polled between the cycle's steps: once
    /// it says so, the cycle throws `CycleCancelled` before publishing anything (its temporary checkpoint is removed;
    /// the alignment state on disk is the old one or the new one, whose checkpoint the next start then builds).
    func refresh(
        keepCheckpoints: Int, isCancelled: @escaping () -> Bool = { false }, progress: (Double, String) -> Void
    ) throws -> Outcome {
        do {
            return try runCycle(keepCheckpoints: keepCheckpoints, isCancelled: isCancelled, progress: progress)
        } catch {
            loaded = nil
            throw error
        }
    }

    private func runCycle(keepCheckpoints: Int, isCancelled: @escaping () -> Bool, progress: (Double, String) -> Void)
        throws -> Outcome
    {
        let started = Date()
        var clock = StepClock()
        func checkCancelled() throws { if isCancelled() { throw CycleCancelled() } }
        progress(0.05, "loading model and tokenizers")
        var state = try load()
        try checkCancelled()
        // The cycle owns the state until it stores it back at the end (a failed cycle reloads it): without a second
        // reference, the large tables it grows (lexicons, rendered units, embedding rows) are changed in place
        // instead of copied.
        loaded = nil
        // Tuning (#15): stop a running tuning job and take its rows, before the mapping re-initialises changed rows.
        let tuned = tuning.collect(
            into: &state, latestCheckpoint: try store.checkpoints(workspaceID: workspaceID).first?.number)
        clock.lap("load")
        let persistence = try loader.persistence(for: state.spec)

        // 1. New pair events → alignment (forward direction; the reverse one is updated while the checkpoint is built).
        let applied = try applyPairEvents(to: &state, persistence: persistence, progress: progress, clock: &clock)
        clock.lap("align")
        try checkCancelled()
        // Saving the alignment runs on its own thread while the mapping and the checkpoint are built (those read only
        // the forward direction, which nothing mutates before the join); the join comes before the publish.
        let saving = persistence.startSaving(
            state.aligner, reverseUpdate: applied.reverseUpdate, generation: state.generation,
            appliedSeq: state.appliedSeq, sizes: state.savedAlignment)
        var savingJoined = false
        defer { if !savingJoined { _ = try? saving.wait() } } // a failed cycle still lets the save finish first
        if let delay = Self.testCycleDelay {
            progress(0.3, "test delay")
            try Self.sleep(delay, unless: Self.testCycleDelayIsUninterruptible ? { false } : isCancelled)
        }

        // 2. Mapping from the soft counts of the whole corpus.
        progress(0.5, "mapping tokens")
        let (mapping, report) = state.buildMapping()
        clock.lap("map")
        try checkCancelled()

        // 3. Only rows whose weights changed are recomputed; tuned rows keep their offset unless the change is material.
        progress(0.65, "refreshing embedding rows")
        let refresh = try state.refreshRows(
            for: mapping, threads: threads, carry: tuned.isEmpty ? nil : TunedRowCarry(threshold: Self.carryThreshold))
        let changed = refresh.changed
        clock.lap("refresh rows")
        try checkCancelled()

        // 4. Checkpoint, written into a temporary directory; a cycle that fails from here on (a full disk, a failed
        //    save) removes it at once. After a successful publish the temporary path no longer exists.
        progress(0.8, "writing checkpoint")
        let base = try assembler.baseWeights(for: state)
        if base.openedNow { clock.lap("write base weights (once)") }
        let number = try store.nextCheckpointNumber(workspaceID: workspaceID)
        let temporary = try publisher.beginCheckpoint(workspace: state.spec.name, number: number)
        defer { publisher.discard(temporary: temporary) }
        try assembler.write(state, base: base.file, into: temporary)
        clock.lap("write checkpoint")
        try checkCancelled()
        savingJoined = true
        let saved = try saving.wait()
        clock.lap("wait for the alignment state to be saved")
        state.savedAlignment.record(saved)

        // 5. Publish (atomic), retention, then compaction of the alignment state.
        var statistics = Self.statistics(of: state, report: report, rowsRecomputed: changed.count)
        statistics.merge(clock.statistics.merging(StepClock.statistics(of: saved.steps)) { a, _ in a }) { a, _ in a }
        statistics.merge(tuned) { a, _ in a } // tuning_steps, tuning_tokens (#15)
        if !tuned.isEmpty {
            statistics["tuning_rows_carried"] = Double(refresh.carried.count)
            statistics["tuning_rows_reinitialised"] = Double(refresh.reinitialised.count)
        }
        let record = try publisher.publish(
            temporary: temporary, workspaceID: workspaceID, workspace: state.spec.name, number: number,
            parent: try store.checkpoints(workspaceID: workspaceID).first?.number,
            sourceModel: state.spec.sourceModel, targetTokenizer: state.targetTokenizerPath,
            pairs: state.aligner.sentenceCount, // the pairs it was built from, not those ingested during the cycle
            appliedSeq: state.appliedSeq, statistics: statistics, digests: assembler.digests)
        clock.lap("publish")
        try publisher.applyRetention(workspaceID: workspaceID, keep: keepCheckpoints)
        if state.savedAlignment.compactionDue {
            progress(0.95, "compacting the alignment state")
            persistence.compactIfDue(&state)
            clock.lap("compact the alignment state (after publishing)")
        }
        loaded = state
        if lookups.isWanted { lookups.publish(LookupSnapshot(state)) }
        // (#15) a background job; returns at once
        tuning.start(after: number, state: state, reinitialised: refresh.reinitialised, carried: refresh.carried)
        progress(1, "checkpoint \(number) published")
        return Outcome(
            checkpoint: record, pairsAdded: applied.retracted > 0 ? 0 : applied.added,
            pairsRetracted: applied.retracted,
            rowsRecomputed: changed.count, seconds: Date().timeIntervalSince(started), steps: clock.laps)
    }

    /// Applies the pair events after the state's position. Additions form one new batch; a retraction rebuilds the
    /// alignment from the active pairs (the aligner retracts whole batches, and retractions are rare next to
    /// additions). Returns the counts and the reverse direction's pending update.
    private func applyPairEvents(
        to state: inout WorkspaceState, persistence: AlignmentPersistence, progress: (Double, String) -> Void,
        clock: inout StepClock
    ) throws -> (added: Int, retracted: Int, reverseUpdate: (@Sendable () -> Void)?) {
        let events = try store.pairEvents(workspaceID: workspaceID, after: state.appliedSeq, limit: Int.max)
        let added = events.filter(\.isAddition)
        let retracted = events.count - added.count
        var reverseUpdate: (@Sendable () -> Void)?
        if retracted > 0 {
            progress(0.2, "re-aligning after \(retracted) retracted pairs")
            let all = try store.activePairs(workspaceID: workspaceID)
            state.resetAlignment(persistence.makeAligner())
            reverseUpdate = try state.align(all, batch: Int(events.last?.seq ?? 0), threads: threads, clock: &clock)
        } else if !added.isEmpty {
            progress(0.2, "aligning \(added.count) new pairs")
            reverseUpdate = try state.align(
                added.map { (source: $0.source, target: $0.target) }, batch: Int(added[0].seq), threads: threads,
                clock: &clock)
        }
        if let last = events.last?.seq { state.appliedSeq = last }
        state.generation += 1
        return (added.count, retracted, reverseUpdate)
    }

    /// The manifest's figures about the alignment, the mapping and the rows.
    private static func statistics(of state: WorkspaceState, report: MappingReport, rowsRecomputed: Int) -> [String:
        Double]
    {
        [
            "applied_seq": Double(state.appliedSeq), "alignment_generation": Double(state.generation),
            "aligned_sentences": Double(state.aligner.sentenceCount), "rows_recomputed": Double(rowsRecomputed),
            "target_vocabulary": Double(state.target.vocabularySize),
            "mapped_directly": Double(report.directlyMapped), "smoothed": Double(report.smoothed),
            "unmapped": Double(report.unmappedCount), "coverage": report.coverage,
            "alignment_snapshot_bytes": Double(state.savedAlignment.snapshotBytes),
            "alignment_change_bytes": Double(state.savedAlignment.changeBytes),
        ]
    }

    /// The lookup snapshot of the current state, published now if there is none yet (on the pipeline thread: the
    /// first lookup of a workspace loads it; later ones read `lookups` without waiting for this thread).
    func lookupSnapshot() throws -> LookupSnapshot {
        lookups.want()
        if let snapshot = lookups.snapshot { return snapshot }
        let snapshot = LookupSnapshot(try load())
        lookups.publish(snapshot)
        return snapshot
    }

    /// Sleeps `seconds` in short slices, throwing `CycleCancelled` as soon as `isCancelled` says so.
    private static func sleep(_ seconds: Double, unless isCancelled: () -> Bool) throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if isCancelled() { throw CycleCancelled() }
            usleep(20_000)
        }
    }

    /// A Hydra model directory for the current state, written once per checkpoint.
    func hydraDirectory(for checkpoint: CheckpointRecord) throws -> (
        path: String, sourceLanguage: String, targetLanguage: String
    ) {
        let state = try load()
        let path = try hydra.directory(forCheckpoint: checkpoint.number, state: state, base: assembler.base) {
            // The target log-prior and length ratio (`HydraPrior`) from the workspace's active pairs and the current
            // mapping.
            guard let mapping = state.mapping else { return nil }
            return HydraPrior(
                mapping: mapping, pairs: try store.activePairs(workspaceID: workspaceID),
                source: state.model.tokenizer, target: state.target)
        }
        return (path, state.spec.sourceLanguage, state.spec.targetLanguage)
    }

    /// Resumes a tuning run a shutdown interrupted (#15), once per process, when no cycle is due.
    func resumeTuningIfDue() { tuning.resumeIfDue { try self.load() } }

    private func load() throws -> WorkspaceState {
        if let loaded { return loaded }
        let state = try loader.load(assembler: assembler)
        loaded = state
        if lookups.isWanted { lookups.publish(LookupSnapshot(state)) }
        return state
    }
}

/// A refresh cycle stopped because the daemon is shutting down; nothing of it was published.
struct CycleCancelled: Error, CustomStringConvertible {
    var description: String { "the refresh cycle was cancelled (the daemon is stopping); the next start redoes it" }
}
