import ControlAPI
import Engine
import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Issue #15 item 4: the daemon's background embedding tuning (`tune_seconds_per_cycle`), driven in process on the
/// tiny model with budgets of 1–2 CPU seconds: tuned rows reach the next checkpoint (counters in its manifest), rows
/// whose mapping changed are re-initialised, an interrupted run resumes from its state file after a restart, and a
/// budget of 0 tunes nothing.
@Suite(.serialized)
struct WorkspaceTuningTests {
    /// A store, a workspace over the tiny model with a fixed target tokenizer, and its pipeline (as the daemon
    /// builds them); `restart()` builds a new pipeline and tuning on the same state directory, as a new process.
    final class Fixture {
        let root: String, stateDirectory: String, model: String, tokenizer: String
        let store: Store
        let workspaceID: Int64
        let logger: Logger
        var registry: TuningRegistry
        var pipeline: WorkspacePipeline
        let corpus: [(source: String, target: String)]

        init(_ label: String, budget: Double?) throws {
            root = try makeTemporaryDirectory(label)
            stateDirectory = root + "/state"
            model = root + "/model"
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            try TinyModel.write(to: model)
            tokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
            store = try Store(directory: stateDirectory)
            workspaceID = try store.createWorkspace(
                WorkspaceSpec(
                    name: "ws", sourceLanguage: "en", targetLanguage: "es", sourceModel: model,
                    targetTokenizer: tokenizer, parallelDirectories: [root + "/in"], tuneSecondsPerCycle: budget)
            ).id
            var logger = Logger(label: "test.tuning")
            logger.logLevel = .warning
            self.logger = logger
            corpus = try RefreshCrashLoopTests.bibleCorpus(count: 360)
            (registry, pipeline) = Self.build(store, workspaceID, stateDirectory, logger)
        }

        static func build(_ store: Store, _ workspaceID: Int64, _ stateDirectory: String, _ logger: Logger) -> (
            TuningRegistry, WorkspacePipeline
        ) {
            let registry = TuningRegistry(store: store, stateDirectory: stateDirectory, threads: 1, logger: logger)
            let pipeline = WorkspacePipeline(
                workspaceID: workspaceID, store: store,
                publisher: CheckpointPublisher(root: stateDirectory + "/checkpoints", store: store, logger: logger),
                stateDirectory: stateDirectory, logger: logger, threads: 1, tuning: registry.tuning(for: workspaceID))
            return (registry, pipeline)
        }

        deinit {
            registry.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }

        static func make(_ label: String, budget: Double?) throws -> Fixture { try Fixture(label, budget: budget) }

        /// A new registry and pipeline (the previous run, if any, is stopped as at a shutdown).
        func restart() {
            registry.stopAll()
            (registry, pipeline) = Self.build(store, workspaceID, stateDirectory, logger)
        }

        func ingest(_ name: String, _ range: Range<Int>) throws {
            let pairs = corpus[range].enumerated().map { offset, pair in
                IngestedPair(
                    source: pair.source, target: pair.target, contentHash: "\(name)-\(offset)", line: offset + 1)
            }
            try store.ingestFile(
                workspaceID: workspaceID, path: root + "/in/" + name, size: Int64(pairs.count), mtimeNs: 1,
                contentHash: name, format: "tsv", pairs: pairs)
        }

        @discardableResult
        func refresh() throws -> CheckpointRecord {
            try #require(try pipeline.refresh(keepCheckpoints: 10) { _, _ in }.checkpoint)
        }

        var files: TuningFiles { TuningFiles(stateDirectory: stateDirectory, workspace: "ws") }
        var progress: TuningProgressRecord? { TuningProgressRecord.read(files.progress) }

        func waitFor(_ what: String, timeout: Double = 60, _ condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition() { return }
                usleep(20_000)
            }
            throw DaemonTestError("timed out waiting for \(what); progress \(String(describing: progress))")
        }

        /// The run is over: its progress says so and its job row is finished.
        var runOver: Bool {
            progress?.finished == true && (try? store.activeJobs().contains { $0.kind == .tune }) == false
        }

        func tuneJobs() throws -> [(state: JobState, count: Int)] {
            try store.jobDurations().filter { $0.kind == .tune }.map { ($0.state, $0.count) }
        }
    }

    struct Rows {
        var embedding: EmbeddingMatrix
        var head: EmbeddingMatrix
        var mapping: TokenMapping
        var statistics: [String: Double]

        init(_ checkpoint: CheckpointRecord) throws {
            let tensors = try TensorFiles.open(path: checkpoint.path)
            func matrix(_ name: String) throws -> EmbeddingMatrix {
                let info = try #require(tensors.info(name))
                return try EmbeddingMatrix(rows: info.shape[0], columns: info.shape[1], values: tensors.float32(name))
            }
            embedding = try matrix(CheckpointLayout.embeddingTensor)
            head = try matrix(CheckpointLayout.headTensor)
            let root = URL(fileURLWithPath: checkpoint.path)
            mapping = try TokenMappingFile.read(from: CheckpointLayout.url(CheckpointLayout.tokenMapping, in: root))
            let manifest = try Data(contentsOf: CheckpointLayout.url(CheckpointLayout.manifest, in: root))
            statistics = try JSONDecoder().decode(CheckpointManifest.self, from: manifest).statistics
        }

        func row(_ table: EmbeddingMatrix, _ id: Int) -> ArraySlice<Float> {
            table.values[(id * table.columns)..<((id + 1) * table.columns)]
        }
    }

    /// The rows saved in the optimizer state file (loaded into a model built on `rows`' tables).
    static func savedRows(_ fixture: Fixture, path: String, on rows: Rows) throws -> (EmbeddingMatrix, EmbeddingMatrix)
    {
        let source = try SourceModel(path: fixture.model)
        let model = try TuningModel(source: source, embedding: rows.embedding, head: rows.head)
        let fingerprint = try TuningStateFile.fingerprint(
            files: TuningStateFile.identityFiles(modelPath: fixture.model) + [fixture.tokenizer])
        _ = try TuningStateFile.load(from: path, into: model, fingerprint: fingerprint)
        return (model.embeddingMatrix(), try #require(model.headMatrix()))
    }

    @Test func tunedRowsReachTheNextCheckpointAndChangedRowsAreReinitialised() throws {
        let fixture = try Fixture.make("tune-rows", budget: 1)
        try fixture.ingest("a.tsv", 0..<300)
        let first = try Rows(try fixture.refresh())
        #expect(first.statistics["tuning_steps"] == nil, "nothing was tuned before the first checkpoint")
        try fixture.waitFor("the first run") { fixture.runOver }
        let run = try #require(fixture.progress)
        #expect(run.checkpoint == 1 && run.runSteps > 0 && run.totalTokens > 0, "\(run)")
        #expect(run.spentSeconds <= 1.25, "budget 1 CPU-s, spent \(run.spentSeconds)")
        #expect(run.heldOutLines > 0 && (run.heldOutBitsPerByte ?? .nan) < (run.heldOutAtCheckpoint ?? .nan), "\(run)")
        // The rows the run ended with, before the next cycle changes anything.
        let saved = fixture.root + "/run1.state"
        try FileManager.default.copyItem(atPath: fixture.files.state, toPath: saved)
        let tuned = try Self.savedRows(fixture, path: saved, on: first)

        try fixture.ingest("b.tsv", 300..<360)
        let tuning = fixture.registry.tuning(for: fixture.workspaceID)
        tuning.runsEnabled = false // (the tuner is inspected after the cycle, before any step of a new run)
        let second = try Rows(try fixture.refresh())
        #expect(second.statistics["tuning_steps"] == Double(run.totalSteps), "\(second.statistics)")
        // The tuner's own rows after the cycle: the changed rows re-initialised, the others still tuned, i.e. exactly
        // the rows checkpoint 2 published (its next run starts from them).
        let inTuner = try #require(tuning.tables())
        #expect(inTuner.embedding == second.embedding && inTuner.head == second.head)
        #expect(second.statistics["tuning_tokens"] == Double(run.totalTokens), "\(second.statistics)")
        let changed = Set(second.mapping.changedTargetIDs(comparedTo: first.mapping))
        let unchanged = (0..<second.embedding.rows).filter { !changed.contains($0) }
        #expect(!changed.isEmpty && !unchanged.isEmpty, "\(changed.count) changed rows")
        // Unchanged rows: the tuned values (and tuning did change the head rows).
        for id in unchanged {
            #expect(second.row(second.embedding, id) == second.row(tuned.0, id), "embedding row \(id)")
            #expect(second.row(second.head, id) == second.row(tuned.1, id), "head row \(id)")
        }
        #expect(unchanged.contains { first.row(first.head, $0) != second.row(second.head, $0) })
        // Changed rows: re-initialised from the new mapping when the change is material, else the new mapping's
        // initialisation plus the offset tuning had added to the old one (`TunedRowCarry`).
        let source = try SourceModel(path: fixture.model)
        let remapper = EmbeddingRemapper(kernel: .saxpy, parallelism: 1)
        let sourceHead = try #require(source.head)
        let plan = try TunedRowCarry(threshold: WorkspacePipeline.carryThreshold).plan(
            changed.sorted(), old: first.mapping, new: second.mapping, source: source.embedding, remapper: remapper)
        #expect(second.statistics["tuning_rows_carried"] == Double(plan.carried.count), "\(second.statistics)")
        #expect(second.statistics["tuning_rows_reinitialised"] == Double(plan.reinitialised.count))
        var expected = second.embedding, expectedHead = second.head
        try remapper.remapRows(plan.reinitialised, of: source.embedding, mapping: second.mapping, into: &expected)
        try remapper.remapRows(plan.reinitialised, of: sourceHead, mapping: second.mapping, into: &expectedHead)
        #expect(expected == second.embedding && expectedHead == second.head)
        var oldInit = first.embedding, newInit = second.embedding, oldHead = first.head, newHead = second.head
        try remapper.remapRows(plan.carried, of: source.embedding, mapping: first.mapping, into: &oldInit)
        try remapper.remapRows(plan.carried, of: source.embedding, mapping: second.mapping, into: &newInit)
        try remapper.remapRows(plan.carried, of: sourceHead, mapping: first.mapping, into: &oldHead)
        try remapper.remapRows(plan.carried, of: sourceHead, mapping: second.mapping, into: &newHead)
        for id in plan.carried {
            for j in 0..<second.embedding.columns {
                let k = id * second.embedding.columns + j
                let want = newInit.values[k] + (tuned.0.values[k] - oldInit.values[k])
                let wantHead = newHead.values[k] + (tuned.1.values[k] - oldHead.values[k])
                #expect(abs(second.embedding.values[k] - want) < 1e-5, "embedding row \(id)")
                #expect(abs(second.head.values[k] - wantHead) < 1e-5, "head row \(id)")
            }
        }
        #expect(changed.contains { second.row(tuned.1, $0) != second.row(second.head, $0) })
        // The status: the job kind and the progress the CLI prints.
        #expect(try fixture.tuneJobs().contains { $0.state == .done })
        let status = try StatusProvider(
            store: fixture.store, stateDirectory: fixture.stateDirectory, socket: "", startedAt: Date()
        ).status()
        let workspace = try #require(status.workspaces.first)
        #expect(workspace.tuneSecondsPerCycle == 1 && (workspace.tuning?.totalSteps ?? 0) >= run.totalSteps)
    }

    @Test func aRestartResumesTheInterruptedRunFromItsStateFile() throws {
        let fixture = try Fixture.make("tune-resume", budget: 2)
        try fixture.ingest("a.tsv", 0..<300)
        try fixture.refresh()
        try fixture.waitFor("steps of the first run") {
            (try? fixture.store.activeJobs().first { $0.kind == .tune }?.message?.hasPrefix("step")) == true
        }
        fixture.restart() // a shutdown in the middle of the run: it saves its state, unfinished
        let interrupted = try #require(fixture.progress)
        #expect(!interrupted.finished && interrupted.totalSteps > 0 && interrupted.spentSeconds < 2, "\(interrupted)")
        #expect(interrupted.stateCheckpoint == 1)

        fixture.pipeline.resumeTuningIfDue()
        try fixture.waitFor("the resumed run") { fixture.runOver }
        let resumed = try #require(fixture.progress)
        // The step count continues from the state file; the budget is the interrupted run's remainder.
        #expect(resumed.totalSteps == interrupted.totalSteps + resumed.runSteps && resumed.runSteps > 0, "\(resumed)")
        #expect(resumed.spentSeconds > interrupted.spentSeconds && resumed.spentSeconds <= 2.25, "\(resumed)")
        // Resumed once per process only.
        fixture.pipeline.resumeTuningIfDue()
        #expect(try fixture.store.activeJobs().filter { $0.kind == .tune }.isEmpty)

        // A cycle after the restart publishes the resumed rows: the counters are the state file's, and the rows whose
        // mapping did not change keep the values the state file holds (the mapping is restored with the rows).
        let first = try Rows(try #require(try fixture.store.checkpoints(workspaceID: fixture.workspaceID).first))
        let saved = try Self.savedRows(fixture, path: fixture.files.state, on: first)
        fixture.restart()
        try fixture.ingest("b.tsv", 300..<330)
        let next = try Rows(try fixture.refresh())
        fixture.registry.stopAll()
        #expect(next.statistics["tuning_steps"] == Double(resumed.totalSteps), "\(next.statistics)")
        let changed = Set(next.mapping.changedTargetIDs(comparedTo: first.mapping))
        let unchanged = (0..<next.head.rows).filter { !changed.contains($0) }
        #expect(!unchanged.isEmpty)
        for id in unchanged {
            #expect(next.row(next.head, id) == next.row(saved.1, id), "head row \(id)")
            #expect(next.row(next.embedding, id) == next.row(saved.0, id), "embedding row \(id)")
        }
        #expect(unchanged.contains { first.row(first.head, $0) != next.row(next.head, $0) })
    }

    @Test func aBudgetOfZeroTunesNothing() throws {
        let fixture = try Fixture.make("tune-off", budget: nil)
        try fixture.ingest("a.tsv", 0..<300)
        let first = try Rows(try fixture.refresh())
        try fixture.ingest("b.tsv", 300..<360)
        let second = try Rows(try fixture.refresh())
        #expect(second.statistics["tuning_steps"] == nil && second.statistics["tuning_tokens"] == nil)
        #expect(!FileManager.default.fileExists(atPath: fixture.files.directory))
        #expect(try fixture.tuneJobs().isEmpty && fixture.store.activeJobs().isEmpty)
        let changed = Set(second.mapping.changedTargetIDs(comparedTo: first.mapping))
        for id in 0..<second.head.rows where !changed.contains(id) {
            #expect(first.row(first.head, id) == second.row(second.head, id), "head row \(id)")
        }
        // The setting: stored, validated, applied from a config file at a restart.
        #expect(try fixture.store.workspaces().first?.spec.tuningBudget == 0)
        var spec = try #require(try fixture.store.workspaces().first?.spec)
        spec.tuneSecondsPerCycle = 30
        #expect(try fixture.store.applyConfiguredWorkspace(spec).refused.isEmpty)
        #expect(try fixture.store.workspaces().first?.spec.tuneSecondsPerCycle == 30)
        spec.tuneSecondsPerCycle = -1
        #expect { try spec.validate(key: "workspaces[0]") } throws: {
            "\($0)".contains("workspaces[0].tune_seconds_per_cycle")
        }
    }

    /// A real `transtokd`: the config key reaches the cycle, the job and the progress show in `transtok status`, a
    /// shutdown stops a run between steps and the next start resumes it from its state file, a newer refresh makes
    /// it yield, and the checkpoint after that records the tuning counters. (The budget is large; the daemon is
    /// stopped as soon as each step is seen, so the test spends a few CPU seconds on tuning.)
    @Test func aDaemonTunesInTheBackgroundResumesAfterARestartAndYieldsToARefresh() throws {
        let helper = WorkspaceLifecycleTests()
        let root = try makeTemporaryDirectory("tunedaemon")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/incoming", stateDir = root + "/state", model = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TinyModel.write(to: model)
        let tokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        let config = root + "/config.json"
        try """
        {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1, "blas_threads": 1,
         "workspaces": [{"name": "ws", "source_language": "en", "target_language": "es", "source_model": "\(model)",
           "target_tokenizer": "\(tokenizer)", "parallel_dirs": ["\(folder)"], "tune_seconds_per_cycle": 600}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let corpus = try RefreshCrashLoopTests.bibleCorpus(count: 360)
        func drop(_ name: String, _ range: Range<Int>) throws {
            try (corpus[range].map { "\($0.source)\t\($0.target)" }.joined(separator: "\n") + "\n")
                .write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        func tuning(_ daemon: DaemonProcess) throws -> JobStatus? {
            try helper.status(daemon).jobs.first { $0.kind == .tune && ($0.message ?? "").hasPrefix("step") }
        }
        try drop("a.tsv", 0..<300)
        let arguments = ["--config", config, "--state-dir", stateDir]
        let first = try DaemonProcess(label: "tune1", extraArguments: arguments)
        try first.waitUntilReady()
        try helper.waitFor("a running tune job", first) { try tuning(first) != nil }
        let shown = try runCommand(Binaries.cli, ["--socket", first.socket, "status"]).stdout
        #expect(shown.contains("tuning:    600 CPU-s per cycle") && shown.contains("tune [ws] running"), "\(shown)")
        #expect(try first.terminate() == 0)
        let files = TuningFiles(stateDirectory: stateDir, workspace: "ws")
        let interrupted = try #require(TuningProgressRecord.read(files.progress))
        #expect(
            !interrupted.finished && interrupted.totalSteps > 0 && interrupted.stateCheckpoint == 1,
            "\(interrupted)")

        let second = try DaemonProcess(label: "tune2", extraArguments: arguments)
        try second.waitUntilReady()
        try helper.waitFor("the resumed run", second) { try tuning(second) != nil }
        #expect(second.log.contains("resuming the interrupted tuning run"), "\(second.log.suffix(2000))")
        try drop("b.tsv", 300..<360)
        try helper.waitFor("the second checkpoint", second) { try helper.status(second).counts.checkpoints >= 2 }
        let latest = try #require(try Store(directory: stateDir).checkpoints(workspaceID: 1).first)
        let statistics = try Rows(latest).statistics
        #expect(
            (statistics["tuning_steps"] ?? 0) > Double(interrupted.totalSteps)
                && (statistics["tuning_tokens"] ?? 0) > Double(interrupted.totalTokens), "\(statistics)")
        #expect(try second.terminate() == 0)
    }
}
