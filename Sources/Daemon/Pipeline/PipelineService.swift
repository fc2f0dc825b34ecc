import CMalloc
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import Systems

/// Runs refresh cycles when the policy says so (or when asked), one at a time, on a dedicated thread: alignment,
/// mapping and BLAS work never run on the cooperative pool. Each cycle is a job visible in `transtok status`.
final class PipelineService: Service, CustomStringConvertible, @unchecked Sendable {
    let store: Store
    let publisher: CheckpointPublisher
    let policy: RefreshPolicy
    let keepCheckpoints: Int
    let stateDirectory: String
    let threads: Int
    let logger: Logger
    /// Called with each published checkpoint (hands it to Sync).
    let onCheckpoint: @Sendable (WorkspaceRecord, CheckpointRecord) -> Void
    var description: String { "PipelineService" }

    /// Per workspace: its pipeline and its schedule (last change, first pending change, a forced refresh, the last
    /// failure). `@unchecked`: a `WorkspacePipeline` is not `Sendable`; it is used on the work queue, and from
    /// lookups only for its lookup snapshot (guarded by the pipeline).
    private struct Schedule: @unchecked Sendable {
        var pipelines: [Int64: WorkspacePipeline] = [:]
        var lastChange: [Int64: Date] = [:]
        var firstPending: [Int64: Date] = [:]
        var forced: Set<Int64> = []
        var failures: [Int64: Date] = [:]
    }
    private let schedule = Locked(Schedule())
    private let work = DispatchQueue(label: "transtok.pipeline")
    private let stop = Atomic<Bool>(false)
    /// Ends the scheduler's sleep when the corpus changes or a refresh is asked for (instead of a fixed poll).
    private let wake = WakeSignal()
    /// The scheduling pass `run` awaits (resumed with its sleep, or with nil when shutdown stops waiting for it).
    private let pendingTick = Mutex<CheckedContinuation<Double?, Never>?>(nil)
    /// After SIGTERM, how long `run` waits for a running cycle to reach its next cancellation point (between steps).
    /// A step that cannot be interrupted (training a tokenizer, aligning a large batch) may take longer: then the
    /// daemon stops without waiting for it, as after a crash: every write of a cycle is atomic, a start settles an
    /// unfinished checkpoint, and the next start redoes the cycle.
    static let shutdownGraceSeconds = 3.0
    /// Background embedding tuning per workspace (#15; `TuningJob.swift`).
    private let tuning: TuningRegistry

    init(
        store: Store, publisher: CheckpointPublisher, policy: RefreshPolicy, keepCheckpoints: Int,
        stateDirectory: String,
        threads: Int, logger: Logger, onCheckpoint: @escaping @Sendable (WorkspaceRecord, CheckpointRecord) -> Void
    ) {
        self.onCheckpoint = onCheckpoint
        self.store = store
        self.publisher = publisher
        self.policy = policy
        self.keepCheckpoints = keepCheckpoints
        self.stateDirectory = stateDirectory
        self.threads = threads
        self.logger = logger
        tuning = TuningRegistry(store: store, stateDirectory: stateDirectory, threads: threads, logger: logger)
    }

    /// Called by ingestion when a workspace's corpus changed.
    func corpusChanged(_ workspaces: Set<Int64>) {
        schedule.withLock { schedule in
            let now = Date()
            for id in workspaces {
                schedule.lastChange[id] = now
                if schedule.firstPending[id] == nil { schedule.firstPending[id] = now }
            }
        }
        wake.signal()
    }

    /// `transtok refresh`: run a cycle as soon as possible, whatever the policy.
    func requestRefresh(_ workspaceID: Int64) {
        schedule.withLock { _ = $0.forced.insert(workspaceID) }
        wake.signal()
    }

    /// Retrains the target tokenizer (a new version) and rebuilds everything derived from it on the next cycle.
    func requestRetrain(_ workspaceID: Int64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            work.async {
                continuation.resume(
                    with: Result {
                        try self.store.resetTargetTokenizer(workspaceID: workspaceID)
                        self.schedule.withLock { schedule in
                            schedule.pipelines[workspaceID] = nil // drop the in-memory model, tokenizer and rows
                            _ = schedule.forced.insert(workspaceID)
                        }
                    })
            }
        }
    }

    /// Runs `body` on the work queue — so never during a cycle of any workspace — after dropping the workspace's
    /// in-memory pipeline (model, tokenizer, rows) and its schedule; with `refresh`, a cycle follows at once (a
    /// rebuild), otherwise the workspace is forgotten (a deletion).
    func withWorkspaceStopped<T: Sendable>(
        _ workspaceID: Int64, refresh: Bool, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            work.async {
                self.tuning.forget(workspaceID) // (#15) its run stops first; the rows it holds no longer apply
                self.schedule.withLock { schedule in
                    schedule.pipelines[workspaceID] = nil
                    schedule.lastChange[workspaceID] = nil
                    schedule.firstPending[workspaceID] = nil
                    schedule.failures[workspaceID] = nil
                    if refresh { _ = schedule.forced.insert(workspaceID) } else { schedule.forced.remove(workspaceID) }
                }
                continuation.resume(with: Result { try body() })
            }
        }
        wake.signal()
        return result
    }

    /// Lexical lookup against the workspace's last published alignment. Once a workspace has a lookup snapshot
    /// (published after each load and cycle once a lookup asked for one), lookups read it on a thread of their own and
    /// never wait for a running cycle; the first lookup of a workspace loads it on the work queue.
    func lookup(workspaceID: Int64, word: String, reverse: Bool, limit: Int) async throws
        -> [(translation: String, probability: Double, count: Double)]
    {
        @Sendable func answer(_ snapshot: LookupSnapshot) -> [(translation: String, probability: Double, count: Double)]
        {
            LookupService().lookup(word, in: snapshot, reverse: reverse, limit: limit).map {
                ($0.translation, $0.probability, $0.count)
            }
        }
        if let snapshot = pipeline(for: workspaceID).lookups.snapshot {
            return await Blocking.run(name: "transtok.lookup") { answer(snapshot) }
        }
        return try await withCheckedThrowingContinuation { continuation in
            work.async {
                continuation.resume(with: Result { answer(try self.pipeline(for: workspaceID).lookupSnapshot()) })
            }
        }
    }

    /// Writes (once) the Hydra directory for a checkpoint, on the work queue where the pipeline state lives.
    func hydraDirectory(workspaceID: Int64, checkpoint: CheckpointRecord) async throws
        -> (path: String, sourceLanguage: String, targetLanguage: String)
    {
        try await withCheckedThrowingContinuation { continuation in
            work.async {
                continuation.resume(
                    with: Result { try self.pipeline(for: workspaceID).hydraDirectory(for: checkpoint) })
            }
        }
    }

    func run() async throws {
        // A crash may have left an unfinished checkpoint, a published one not yet recorded, or one more checkpoint
        // than the retention allows (killed between publishing and pruning): settle all three before serving.
        for workspace in try store.workspaces() {
            try publisher.recover(workspaceID: workspace.id, workspace: workspace.spec.name)
            try publisher.applyRetention(workspaceID: workspace.id, keep: keepCheckpoints)
            try checkAlignmentState(workspace)
        }
        await withGracefulShutdownHandler {
            while !stop.load(ordering: .relaxed) {
                let sleep = await withCheckedContinuation { (continuation: CheckedContinuation<Double?, Never>) in
                    pendingTick.withLock { $0 = continuation }
                    work.async { self.finishTick(self.tick()) }
                }
                guard let sleep else {
                    logger.warning(
                        """
                        stopping without waiting for the running refresh cycle (it is in a step that cannot be \
                        interrupted); the next start redoes it
                        """,
                        metadata: ["grace.seconds": "\(Self.shutdownGraceSeconds)"])
                    break
                }
                await wake.wait(upTo: .milliseconds(Int(sleep * 1000)))
            }
            // (#15) Tuning runs stop after their current step and save their state (resumed at the next start). Not on
            // the work queue: a cycle that shutdown stopped waiting for may still hold it (the registry has its lock).
            await Blocking.run(name: "transtok.tuning.stop") { self.tuning.stopAll() }
        } onGracefulShutdown: {
            // The running cycle (if any) stops at its next step boundary (`CycleCancelled`); `run` waits for that at
            // most `shutdownGraceSeconds`.
            self.stop.store(true, ordering: .relaxed)
            self.wake.signal()
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.shutdownGraceSeconds) { self.finishTick(nil) }
        }
    }

    /// Resumes `run`'s wait for the current scheduling pass, once (the pass's sleep, or nil when shutdown gave up).
    private func finishTick(_ sleep: Double?) {
        pendingTick.withLock { $0.take() }?.resume(returning: sleep)
    }

    /// One scheduling pass (on the work queue). Returns how long to sleep before the next one unless woken: until
    /// the earliest debounce window closes, at most half a second (the policy's other clocks, retries).
    private func tick() -> Double {
        var sleep = 0.5
        guard let workspaces = try? store.workspaces() else { return sleep }
        let now = Date()
        for workspace in workspaces where !stop.load(ordering: .relaxed) {
            let id = workspace.id
            do {
                let pipeline = pipeline(for: id)
                let pending = try pipeline.pending()
                let (last, first, isForced, failedAt) = schedule.withLock {
                    ($0.lastChange[id], $0.firstPending[id], $0.forced.contains(id), $0.failures[id])
                }
                // After a failure, retry at most once a minute (the error is in the job row and the log).
                if let failedAt, now.timeIntervalSince(failedAt) < 60, !isForced { continue }
                let due = policy.shouldRefresh(
                    pendingEvents: Int(pending.events), firstPendingAt: first ?? (pending.events > 0 ? now : nil),
                    lastChangeAt: last, now: now, forced: isForced)
                if pending.events > 0, first == nil { schedule.withLock { $0.firstPending[id] = now } }
                if pending.events > 0, !due, let last {
                    sleep = min(sleep, max(0.01, policy.debounce - now.timeIntervalSince(last)))
                }
                guard due || pending.checkpointMissing else {
                    pipeline.resumeTuningIfDue() // (#15) a tuning run a shutdown interrupted
                    continue
                }
                guard pending.events > 0 || pending.checkpointMissing || isForced else { continue }
                try runCycle(pipeline, workspace: workspace)
                schedule.withLock { schedule in
                    schedule.forced.remove(id)
                    schedule.firstPending[id] = nil
                    schedule.failures[id] = nil
                }
            } catch is CycleCancelled {
            } catch {
                schedule.withLock { schedule in
                    schedule.forced.remove(id)
                    schedule.failures[id] = now
                }
                logger.error("refresh failed", metadata: ["workspace": "\(workspace.spec.name)", "error": "\(error)"])
            }
        }
        return sleep
    }

    /// Start-up: a saved alignment state whose files are missing, truncated or fail their checksum is forgotten
    /// (logged), so its pair events are pending again and the first cycle rebuilds it from the corpus — instead of
    /// every cycle and lookup failing on it. (A state that passes its checksum but cannot be decoded is handled the
    /// same way when it is loaded.)
    private func checkAlignmentState(_ workspace: WorkspaceRecord) throws {
        do {
            _ = try store.alignmentState(workspaceID: workspace.id)
        } catch let error as AlignmentStateUnreadable {
            logger.error(
                "the saved alignment state cannot be used; rebuilding it from the corpus",
                metadata: [
                    "workspace": "\(workspace.spec.name)", "error": "\(error)",
                ])
            try store.forgetAlignmentState(workspaceID: workspace.id)
        }
        _ = malloc_trim(0)
    }

    private func runCycle(_ pipeline: WorkspacePipeline, workspace: WorkspaceRecord) throws {
        let job = try store.startJob(workspaceID: workspace.id, kind: .refresh, message: "starting")
        let progress = JobProgressWriter(store: store, job: job)
        do {
            let outcome = try pipeline.refresh(
                keepCheckpoints: keepCheckpoints, isCancelled: { self.stop.load(ordering: .relaxed) }
            ) { fraction, step in progress.report(fraction, step) }
            progress.flush()
            let message =
                "checkpoint \(outcome.checkpoint?.number ?? 0): +\(outcome.pairsAdded) pairs, "
                + "\(outcome.rowsRecomputed) rows recomputed in \(String(format: "%.1f", outcome.seconds)) s"
            try store.finishJob(job, succeeded: true, message: message)
            // A cycle allocates and frees hundreds of MB (serialised alignment state, mapping tables); glibc keeps
            // freed heap pages mapped unless asked, which would leave an idle daemon at its peak RSS.
            _ = malloc_trim(0)
            if let checkpoint = outcome.checkpoint { onCheckpoint(workspace, checkpoint) }
            logger.info(
                "refreshed",
                metadata: [
                    "workspace": "\(workspace.spec.name)", "result": "\(message)",
                    "steps":
                        "\(outcome.steps.map { "\($0.name) \(String(format: "%.2f", $0.seconds)) s" }.joined(separator: ", "))",
                ])
        } catch let cancelled as CycleCancelled {
            progress.flush()
            try? store.finishJob(job, succeeded: false, message: "\(cancelled)")
            logger.info("refresh cancelled by shutdown", metadata: ["workspace": "\(workspace.spec.name)"])
            throw cancelled
        } catch {
            progress.flush()
            try? store.finishJob(job, succeeded: false, message: "\(error)")
            throw error
        }
    }

    private func pipeline(for id: Int64) -> WorkspacePipeline {
        schedule.withLock { schedule in
            if let existing = schedule.pipelines[id] { return existing }
            let created = WorkspacePipeline(
                workspaceID: id, store: store, publisher: publisher, stateDirectory: stateDirectory, logger: logger,
                threads: threads, tuning: tuning.tuning(for: id))
            schedule.pipelines[id] = created
            return created
        }
    }
}
