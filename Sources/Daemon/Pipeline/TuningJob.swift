import Engine
import Entities
import Foundation
import Logging
import Store
import Synchronization

/// A workspace's background embedding tuning (issue #15 item 4): after a refresh cycle publishes checkpoint N, a
/// job of kind `tune` trains the new rows (Engine's `EmbeddingTuner`: the body frozen, Adam on the input rows and the
/// untied head) on the workspace's target text for at most `tune_seconds_per_cycle` CPU seconds, on a thread of its
/// own. The next cycle first stops it (a flag checked between steps: the cycle waits for one step and the state
/// save, never for the budget) and takes its rows (`collect`), re-initialises the rows whose mapping changed
/// materially and carries the tuned offset of the others onto their new initialisation (`TunedRowCarry`), and
/// publishes; the run after it resets the re-initialised rows' Adam moments (`start`). The tuner (its F32 copy of the body, the
/// tables and the moments) stays in memory between runs; the optimizer state file and `progress.json`
/// (`TuningFiles`) let a restart resume, also a run a shutdown interrupted.
///
/// Every method is called on the pipeline's work queue; only the stop flag crosses to the run's thread, and the
/// tuner is touched by the run's thread only while a run is in flight (every other use first joins it).
final class WorkspaceTuning: @unchecked Sendable {
    let workspaceID: Int64
    let store: Store
    let stateDirectory: String
    let threads: Int
    let logger: Logger
    /// Sequences × tokens per step (the length is capped by the model's context).
    static let sequences = 4
    static let length = 128
    /// The optimizer state is saved at least this often (wall seconds) during a run, and at its end.
    static let saveInterval = 120.0
    /// `progress.json` is rewritten at least this often (wall seconds) during a run.
    static let progressInterval = 5.0

    enum StopReason: Int { case proceed = 0, refresh = 1, shutdown = 2 }

    private final class Run: @unchecked Sendable {
        let stop = Atomic<Int>(StopReason.proceed.rawValue)
        var job: BackgroundJob<Void>?
    }

    private var tuner: EmbeddingTuner?
    /// What the tuner's tables belong to (source model, target tokenizer, shapes): another one discards it.
    private var identity: String?
    private var fingerprint = ""
    private var running: Run?
    /// Whether this process has looked for an interrupted run to resume.
    private var resumeChecked = false
    /// False: cycles still collect the tuned rows and re-initialise changed ones in the tuner, but no run starts (a
    /// test inspects the tuner between cycles with `tables()`).
    var runsEnabled = true

    init(workspaceID: Int64, store: Store, stateDirectory: String, threads: Int, logger: Logger) {
        self.workspaceID = workspaceID
        self.store = store
        self.stateDirectory = stateDirectory
        self.threads = threads
        self.logger = logger
    }

    /// Stops a running job between two steps and waits for it (it saves its state first).
    func stop(_ reason: StopReason) {
        guard let run = running else { return }
        run.stop.store(reason.rawValue, ordering: .relaxed)
        _ = try? run.job?.wait() // (the run records its own failures)
        running = nil
    }

    /// Stops and forgets the in-memory tuner (a rebuild or a deletion: the rows it holds no longer apply). The run
    /// ends as finished, so a restart does not resume it; the next cycle starts a new one.
    func forget() {
        stop(.refresh)
        tuner = nil
        identity = nil
    }

    /// At the start of a cycle: stops a running job and copies the tuned rows into `state` (so unchanged rows keep
    /// them and the checkpoint publishes them). Returns the manifest's counters (`tuning_steps`, `tuning_tokens`: the
    /// steps and tokens the optimizer state has seen), empty when nothing was ever tuned for these rows. A tuner
    /// that cannot be prepared is logged and the cycle goes on with the state's rows.
    func collect(into state: inout WorkspaceState, latestCheckpoint: Int?) -> [String: Double] {
        stop(.refresh)
        guard tuner != nil || state.spec.tuningBudget > 0 else { return [:] }
        do {
            guard let tuner = try prepare(state, base: latestCheckpoint) else { return [:] }
            state.embedding = tuner.model.embeddingMatrix()
            if state.head != nil, let head = tuner.model.headMatrix() { state.head = head }
            return ["tuning_steps": Double(tuner.state.step), "tuning_tokens": Double(tuner.state.tokensSeen)]
        } catch {
            logger.warning(
                "cannot use the tuned rows; the checkpoint gets the mapping's rows",
                metadata: ["workspace": "\(state.spec.name)", "error": "\(error)"])
            tuner = nil
            identity = nil
            return [:]
        }
    }

    /// After checkpoint `checkpoint` was published from `state`: in the tuner, resets the rows `reinitialised` (the
    /// new mapping's initialisation, moments zeroed) and moves the rows `carried` to the state's values (their tuned
    /// offset on the new initialisation, moments kept), then starts a run with the workspace's budget. Nothing when
    /// the budget is 0.
    func start(after checkpoint: Int, state: WorkspaceState, reinitialised: [Int], carried: [Int]) {
        resumeChecked = true
        guard state.spec.tuningBudget > 0 else { return }
        begin(checkpoint: checkpoint, state: state, reinitialised: reinitialised, carried: carried, spent: 0)
    }

    /// Once per process, when no cycle is due: resumes the run of the newest checkpoint that a shutdown interrupted
    /// (its `progress.json` not finished, budget left), loading the workspace's state with `load`.
    func resumeIfDue(load: () throws -> WorkspaceState) {
        guard !resumeChecked, running == nil else { return }
        resumeChecked = true
        do {
            guard let record = try store.workspaces().first(where: { $0.id == workspaceID }),
                record.spec.tuningBudget > 0,
                let latest = try store.checkpoints(workspaceID: workspaceID).first?.number,
                let progress = TuningProgressRecord.read(
                    TuningFiles(stateDirectory: stateDirectory, workspace: record.spec.name).progress),
                progress.checkpoint == latest, !progress.finished, progress.spentSeconds < record.spec.tuningBudget
            else { return }
            let state = try load()
            logger.info(
                "resuming the interrupted tuning run",
                metadata: [
                    "workspace": "\(record.spec.name)", "checkpoint.number": "\(latest)",
                    "spent_seconds": "\(progress.spentSeconds)",
                ])
            begin(checkpoint: latest, state: state, reinitialised: [], carried: [], spent: progress.spentSeconds)
        } catch {
            logger.warning(
                "cannot resume the tuning run", metadata: ["workspace": "\(workspaceID)", "error": "\(error)"])
        }
    }

    /// The tuner's current tables (nil when there is none); joins a running job first.
    func tables() -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?)? {
        stop(.refresh)
        return tuner.map { ($0.model.embeddingMatrix(), $0.model.headMatrix()) }
    }

    // MARK: - Preparing the tuner

    /// The tuner for `state`'s tables: the one in memory when it belongs to them, else a new one from the source
    /// model, resumed from the optimizer state file when it matches (its rows are kept when they derive from
    /// checkpoint `base`; otherwise the state's rows replace the ones that differ, with fresh moments). Nil when the
    /// state has no rows yet.
    private func prepare(_ state: WorkspaceState, base: Int?) throws -> EmbeddingTuner? {
        guard let embedding = state.embedding else { return nil }
        let id =
            "\(state.spec.sourceModel)|\(state.targetTokenizerPath)|\(embedding.rows)x\(embedding.columns)|\(state.head?.rows ?? 0)"
        if let tuner, identity == id { return tuner }
        tuner = nil
        identity = nil
        let files = TuningFiles(stateDirectory: stateDirectory, workspace: state.spec.name)
        let model = try TuningModel(source: state.model, embedding: embedding, head: state.head)
        let options = TuningOptions(
            sequences: Self.sequences, length: min(Self.length, model.config.maxPositions))
        fingerprint = try TuningStateFile.fingerprint(
            files: TuningStateFile.identityFiles(modelPath: state.spec.sourceModel) + [state.targetTokenizerPath])
        var created = try EmbeddingTuner(model: model, options: options)
        if FileManager.default.fileExists(atPath: files.state) {
            do {
                let saved = try TuningStateFile.load(from: files.state, into: model, fingerprint: fingerprint)
                created = try EmbeddingTuner(model: model, options: options, state: saved)
                let progress = TuningProgressRecord.read(files.progress)
                if progress?.stateCheckpoint == nil || progress?.stateCheckpoint != base {
                    // Rows saved before the newest checkpoint: the checkpoint's own rows win where they differ (the
                    // rows re-initialised by its cycle, and tuning after the last save), with fresh moments.
                    let differing = created.rowsDiffering(from: embedding, head: state.head)
                    try created.resetRows(differing, embedding: embedding, head: state.head)
                }
                logger.info(
                    "tuning state restored",
                    metadata: [
                        "workspace": "\(state.spec.name)", "step": "\(saved.step)", "tokens": "\(saved.tokensSeen)",
                    ])
            } catch {
                // `load` changes nothing unless the whole file checks out: the tables are still the state's.
                logger.warning(
                    "the tuning state file cannot be used; tuning starts afresh",
                    metadata: ["workspace": "\(state.spec.name)", "path": "\(files.state)", "error": "\(error)"])
                created = try EmbeddingTuner(model: model, options: options)
            }
        }
        tuner = created
        identity = id
        return created
    }

    // MARK: - A run

    private func begin(
        checkpoint: Int, state: WorkspaceState, reinitialised: [Int], carried: [Int], spent: Double
    ) {
        let name = state.spec.name, budget = state.spec.tuningBudget
        let tuner: EmbeddingTuner
        do {
            guard let prepared = try prepare(state, base: checkpoint), let embedding = state.embedding else { return }
            try prepared.resetRows(reinitialised, embedding: embedding, head: state.head)
            try prepared.replaceRows(carried, embedding: embedding, head: state.head, resetMoments: false)
            tuner = prepared
        } catch {
            logger.warning("tuning not started", metadata: ["workspace": "\(name)", "error": "\(error)"])
            return
        }
        guard runsEnabled else { return }
        let run = Run()
        let context = RunContext(
            workspaceID: workspaceID, workspace: name, checkpoint: checkpoint, budget: budget, spent: spent,
            files: TuningFiles(stateDirectory: stateDirectory, workspace: name), fingerprint: fingerprint,
            store: store, logger: logger,
            provisioner: TargetTokenizerProvisioner(
                store: store, stateDirectory: stateDirectory, threads: threads, logger: logger),
            target: state.target)
        let box = UncheckedBox(tuner)
        run.job = BackgroundJob(name: "transtok.tune") { [run] in
            context.execute(box.value) { StopReason(rawValue: run.stop.load(ordering: .relaxed)) ?? .proceed }
        }
        running = run
    }
}

/// The tuner handed to the run's thread (it is the only user until the run is joined).
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One run on its own thread: the text, the held-out slice, the steps within the budget, the job row, the saves.
private struct RunContext: Sendable {
    let workspaceID: Int64
    let workspace: String
    let checkpoint: Int
    let budget: Double
    let spent: Double
    let files: TuningFiles
    let fingerprint: String
    let store: Store
    let logger: Logger
    let provisioner: TargetTokenizerProvisioner
    let target: Tokenizer

    func execute(_ tuner: EmbeddingTuner, stopReason: () -> WorkspaceTuning.StopReason) {
        let job: Int64
        do {
            job = try store.startJob(workspaceID: workspaceID, kind: .tune, message: "reading the target text")
        } catch {
            logger.warning(
                "cannot record the tuning job", metadata: ["workspace": "\(workspace)", "error": "\(error)"])
            return
        }
        let progress = JobProgressWriter(store: store, job: job)
        var record = TuningProgressRecord(
            checkpoint: checkpoint, budgetSeconds: budget, spentSeconds: spent, runSteps: 0, runTokens: 0,
            totalSteps: tuner.state.step, totalTokens: tuner.state.tokensSeen,
            stateCheckpoint: TuningProgressRecord.read(files.progress)?.stateCheckpoint, heldOutBitsPerByte: nil,
            heldOutAtCheckpoint: nil, heldOutLines: 0, finished: false, message: "starting",
            updatedAt: Date().timeIntervalSince1970)
        do {
            try files.createDirectory()
            guard let workspace = try store.workspaces().first(where: { $0.id == workspaceID }) else {
                throw CheckpointError("workspace \(workspaceID) no longer exists")
            }
            let lines = try provisioner.targetText(for: workspace)
            let held = try TuningHeldOut.lines(from: lines, file: files.heldOut)
            let heldSet = Set(held)
            let train = TuningText(lines: lines.filter { !heldSet.contains($0) }, codec: target)
            let heldOut = try HeldOutSet(
                text: TuningText(lines: held, codec: target, linesPerBlock: held.count), length: tuner.options.length)
            // Each run visits the chunks in another order (seeded by the optimizer's step count).
            var batches = try TokenChunkStream(
                tokens: train.tokens, length: tuner.options.length, sequences: tuner.options.sequences,
                seed: 0x7475_6e65 &+ UInt64(tuner.state.step))
            record.heldOutLines = held.count
            guard stopReason() == .proceed else { return finish(job, progress, &record, tuner, stopReason(), nil) }
            let before = try tuner.evaluate(heldOut).bitsPerByte
            record.heldOutBitsPerByte = before
            record.heldOutAtCheckpoint = before
            record.message = "tuning"
            try record.write(to: files.progress)
            var lastReport = 0.0, lastSave = CPUClock.wallSeconds(), lastRecord = lastSave
            let result = try tuner.run(
                budget: TuningBudget(cpuSeconds: max(0, budget - spent)), batches: &batches
            ) { p in
                if stopReason() != .proceed { return .stop }
                record.runSteps = p.step
                record.runTokens = p.tokens
                record.totalSteps = p.totalSteps
                record.totalTokens = p.totalTokens
                record.spentSeconds = spent + p.cpuSeconds
                let now = CPUClock.wallSeconds()
                if now - lastReport >= 0.5 {
                    lastReport = now
                    progress.report(
                        min(1, record.spentSeconds / budget),
                        String(
                            format: "step %d (%d in all), %d tokens, loss %.3f, %.0f/%.0f CPU-s", p.step, p.totalSteps,
                            p.tokens, p.loss, record.spentSeconds, budget))
                }
                if now - lastSave >= WorkspaceTuning.saveInterval {
                    lastSave = now
                    lastRecord = now
                    try save(tuner, &record)
                } else if now - lastRecord >= WorkspaceTuning.progressInterval {
                    lastRecord = now // (what `transtok status` prints; the state file is saved less often)
                    record.updatedAt = Date().timeIntervalSince1970
                    try record.write(to: files.progress)
                }
                // Stay within the budget: no step that the mean step so far says would overrun it.
                return record.spentSeconds + p.cpuSeconds / Double(p.step) > budget ? .stop : .proceed
            }
            record.spentSeconds = spent + result.cpuSeconds
            record.runSteps = result.steps
            record.runTokens = result.tokens
            record.totalSteps = result.totalSteps
            record.totalTokens = result.totalTokens
            let reason = stopReason()
            // A spent budget scores the tuned rows; a run that yields does not make the refresh wait for scoring.
            let after = reason == .proceed ? try tuner.evaluate(heldOut).bitsPerByte : nil
            finish(job, progress, &record, tuner, reason, after)
        } catch {
            progress.flush()
            record.finished = true
            record.message = "failed: \(error)"
            record.updatedAt = Date().timeIntervalSince1970
            try? record.write(to: files.progress)
            try? store.finishJob(job, succeeded: false, message: "\(error)")
            logger.warning("tuning failed", metadata: ["workspace": "\(workspace)", "error": "\(error)"])
        }
    }

    /// Saves the optimizer state, then records (in `progress.json`) the checkpoint its rows derive from.
    private func save(_ tuner: EmbeddingTuner, _ record: inout TuningProgressRecord) throws {
        try tuner.saveState(to: files.state, fingerprint: fingerprint)
        record.stateCheckpoint = checkpoint
        record.updatedAt = Date().timeIntervalSince1970
        try record.write(to: files.progress)
    }

    private func finish(
        _ job: Int64, _ progress: JobProgressWriter, _ record: inout TuningProgressRecord, _ tuner: EmbeddingTuner,
        _ reason: WorkspaceTuning.StopReason, _ after: Double?
    ) {
        if let after { record.heldOutBitsPerByte = after }
        // Yielding to a refresh ends the run (the next cycle starts a new one); a shutdown leaves it to resume.
        record.finished = reason != .shutdown
        let figure = record.heldOutBitsPerByte.map { String(format: ", held-out %.4f bits/byte", $0) } ?? ""
        let how: String
        switch reason {
        case .proceed: how = "budget spent"
        case .refresh: how = "yielded to a refresh"
        case .shutdown: how = "stopped (resumes at the next start)"
        }
        record.message =
            "\(how): \(record.runSteps) steps, \(record.runTokens) tokens in \(String(format: "%.1f", record.spentSeconds)) CPU-s"
            + " (\(record.totalSteps) steps, \(record.totalTokens) tokens in all)\(figure)"
        progress.flush()
        do {
            try save(tuner, &record)
            try store.finishJob(job, succeeded: true, message: record.message)
            logger.info(
                "tuning run ended",
                metadata: [
                    "workspace": "\(workspace)", "checkpoint.number": "\(checkpoint)", "result": "\(record.message)",
                ])
        } catch {
            try? store.finishJob(job, succeeded: false, message: "cannot save the tuning state: \(error)")
            logger.warning(
                "cannot save the tuning state", metadata: ["workspace": "\(workspace)", "error": "\(error)"])
        }
    }
}
