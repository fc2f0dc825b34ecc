import ControlAPI
import Engine
import Foundation
import Hashing
import Store
import Testing

/// Issue #7, crash safety inside refresh cycles: a real `transtokd` on a tiny model is killed with SIGKILL at random
/// points of its refresh cycles (loading, aligning, mapping, refreshing rows, writing / publishing a checkpoint,
/// retention) while batches of parallel text keep arriving, and restarted each time. Afterwards every pair is in
/// the store exactly once, every visible checkpoint is complete and recorded, and the alignment and the final
/// embedding equal a replay of the same batches without any crash.
///
/// The schedule (what is dropped when, what each kill waits for, the random extra delays) is seeded:
/// `TRANSTOK_CRASH_SEED` replays it (the daemon's own timing still varies from run to run), and
/// `TRANSTOK_CRASH_ROUNDS` changes its length.
@Suite(.serialized)
struct RefreshCrashLoopTests {
    static let keep = 2

    /// Where a kill landed, judged after the kill from the job row and the files (the daemon is dead by then).
    enum Phase: String, CaseIterable {
        case idle = "no cycle running (start-up, ingestion, waiting)"
        case starting = "cycle: starting"
        case loading = "cycle: loading model and tokenizers"
        case aligning = "cycle: tokenizing and aligning"
        case alignmentSaved = "cycle: alignment saved, not yet mapping"
        case mapping = "cycle: mapping tokens"
        case refreshing = "cycle: refreshing embedding rows"
        case checkpointPreparing = "checkpoint: before the temporary directory"
        case checkpointWriting = "checkpoint: temporary directory being written"
        case checkpointRenamed = "checkpoint: renamed into place, not recorded"
        case retention = "checkpoint: recorded (retention pending or done)"
        case published = "checkpoint: published, job not finished"
    }

    /// What the kill waits for: a progress step of the running refresh job, a checkpoint appearing on disk (a
    /// hidden temporary directory, or a new numbered one: publishing, recording and retention follow within
    /// milliseconds, too fast to see in the job row), the oldest checkpoint starting to disappear (retention), or
    /// just a delay.
    enum Aim: CaseIterable {
        case delay, loading, aligning, mapping, refreshing, temporary, renamed, retention
        var progress: Double? {
            switch self {
            case .loading: 0.05
            case .aligning: 0.2
            case .mapping: 0.5
            case .refreshing: 0.65
            case .delay, .temporary, .renamed, .retention: nil
            }
        }
        /// The random extra wait after the aim was seen, in microseconds.
        var jitter: UInt32 {
            switch self {
            case .delay: 1_200_000
            case .temporary: 30_000
            case .renamed: 4_000
            case .retention: 0
            default: 8_000
            }
        }
    }

    @Test func killMinusNineInsideRefreshCyclesLosesNothingAndPublishesOnlyCompleteCheckpoints() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["TRANSTOK_CRASH_SEED"].flatMap { UInt64($0) } ?? 20_261_129
        let rounds = environment["TRANSTOK_CRASH_ROUNDS"].flatMap { Int($0) } ?? 24
        var random = SeededRandom(seed: seed)
        let started = Date()

        let root = try makeTemporaryDirectory("crashloop")
        // `TRANSTOK_CRASH_KEEP` keeps the state directory for a post-mortem.
        defer { if environment["TRANSTOK_CRASH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } }
        let folder = root + "/incoming", stateDir = root + "/state", modelDir = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TinyModel.write(to: modelDir)
        let targetTokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        let config = root + "/config.json"
        try """
        {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1,
         "max_refresh_interval_seconds": 1, "keep_checkpoints": \(Self.keep), "blas_threads": 1,
         "workspaces": [{"name": "crash", "source_language": "en", "target_language": "es",
           "source_model": "\(modelDir)", "target_tokenizer": "\(targetTokenizer)", "parallel_dirs": ["\(folder)"]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let checkpointDir = stateDir + "/checkpoints/crash"

        // Distinct Bible verse pairs, dropped as one file per round until they run out (the last rounds only
        // recover). Half of the files arrive while the daemon runs (ingestion races the cycles), half before it starts.
        // Two more files arrive during the settling run below: one before it starts, one while its cycle runs.
        let files = rounds - 4 + 2
        let corpus = try Self.bibleCorpus(count: files * 60)
        let perFile = corpus.count / files
        var dropped = 0
        func drop() throws {
            guard dropped < files else { return }
            let lines = corpus[(dropped * perFile)..<((dropped + 1) * perFile)].map { "\($0.source)\t\($0.target)" }
            try (lines.joined(separator: "\n") + "\n")
                .write(toFile: folder + "/part\(dropped).tsv", atomically: true, encoding: .utf8)
            dropped += 1
        }

        var histogram: [Phase: Int] = [:]
        var cycleKills = 0
        for round in 0..<rounds {
            let context = "seed \(seed), round \(round)"
            let dropWhileRunning = Bool.random(using: &random)
            let droppedBefore = dropped
            if !dropWhileRunning, dropped < files - 2 { try drop() }
            let daemon = try DaemonProcess(
                label: "crashloop\(round)", extraArguments: ["--config", config, "--state-dir", stateDir])
            try daemon.waitUntilReady()
            if dropWhileRunning, dropped < files - 2 { try drop() }

            let aim = Aim.allCases.randomElement(using: &random)!
            // A cycle after a restart loads the model and rebuilds the lexicons first: seconds on a busy machine.
            // Without new text, only a checkpoint left missing by the previous kill starts a cycle.
            let timeout: Double = dropped > droppedBefore ? 15 : 3
            if let progress = aim.progress {
                try Self.waitForStep(progress, daemon: daemon, timeout: timeout)
            } else if aim == .retention {
                Self.waitForRetention(in: checkpointDir, timeout: timeout)
            } else if aim != .delay {
                Self.waitForCheckpointEntry(in: checkpointDir, renamed: aim == .renamed, timeout: timeout)
            }
            usleep(UInt32.random(in: 0...aim.jitter, using: &random))
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
            let log = daemon.log

            let phase = try Self.classify(stateDir: stateDir, checkpointDir: checkpointDir)
            histogram[phase, default: 0] += 1
            if phase != .idle { cycleKills += 1 }
            // Even right after a kill, a numbered checkpoint directory is complete: only hidden `.tmp-` ones may not be.
            for problem in try Self.invalidCheckpointDirectories(checkpointDir) {
                Issue.record("\(context), killed in phase '\(phase.rawValue)': \(problem)\n\(log.suffix(2000))")
            }
        }

        // Settle: one more daemon without a kill ingests what is left and refreshes until everything is applied. A
        // file dropped while its first cycle runs is ingested during that cycle: the next cycle applies it, and the
        // checkpoint of the running one must not count it.
        try drop()
        let final = try DaemonProcess(
            label: "crashloop-final", extraArguments: ["--config", config, "--state-dir", stateDir])
        try final.waitUntilReady()
        try Self.waitForStep(0.2, daemon: final, timeout: 15) // aligning: the cycle has read its events
        try drop()
        let deadline = Date().addingTimeInterval(60)
        var settled = false
        while Date() < deadline, !settled {
            let status = try final.client.call("GET", "/v1/status", as: StatusResponse.self).0
            if status.counts.filesIngested == files, status.counts.jobsRunning == 0,
                let newest = try final.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0.first,
                let manifest = try? Self.manifest(at: newest.path),
                Int(manifest.statistics["aligned_sentences"] ?? -1) == corpus.count
            {
                settled = true
            } else {
                usleep(100_000)
            }
        }
        let finalLog = final.log
        if environment["TRANSTOK_CRASH_VERBOSE"] != nil { print(finalLog) }
        let phases = Phase.allCases.map { "  \(histogram[$0, default: 0])\t\($0.rawValue)" }.joined(separator: "\n")
        print("refresh crash loop, seed \(seed), \(rounds) kills, \(cycleKills) inside a cycle:\n\(phases)")
        #expect(try final.terminate() == 0, "seed \(seed): graceful shutdown failed:\n\(finalLog.suffix(2000))")
        try #require(
            settled,
            "seed \(seed): the daemon did not settle within 60 s after the kill loop:\n\(finalLog.suffix(3000))")

        try Self.verifyFinalState(
            seed: seed, stateDir: stateDir, checkpointDir: checkpointDir, corpus: corpus, modelDir: modelDir,
            targetTokenizer: targetTokenizer, cycleKills: cycleKills)
        // Kills must really have landed inside cycles, in several different steps (else the test proves little).
        let cyclePhases = histogram.filter { $0.key != .idle && $0.value > 0 }.count
        #expect(
            cycleKills >= rounds / 2 && cyclePhases >= 4,
            "seed \(seed): kills landed in too few cycle phases:\n\(phases)")
        print("refresh crash loop took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// A cycle that fails after saving the alignment (here: the checkpoint directory cannot be created) must not
    /// poison the next one: the retried cycle publishes the checkpoint without adding the same batch twice.
    @Test func aCycleFailingAfterAlignmentIsRetriedWithoutRealigning() throws {
        let root = try makeTemporaryDirectory("failedcycle")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/incoming", stateDir = root + "/state", modelDir = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TinyModel.write(to: modelDir)
        let targetTokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        let config = root + "/config.json"
        try """
        {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1, "blas_threads": 1,
         "workspaces": [{"name": "failing", "source_language": "en", "target_language": "es",
           "source_model": "\(modelDir)", "target_tokenizer": "\(targetTokenizer)", "parallel_dirs": ["\(folder)"]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // A regular file where the workspace's checkpoint directory belongs: writing the checkpoint fails.
        let blocker = stateDir + "/checkpoints/failing"
        try FileManager.default.createDirectory(atPath: stateDir + "/checkpoints", withIntermediateDirectories: true)
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: blocker))
        let corpus = try Self.bibleCorpus(count: 60)
        try (corpus.map { "\($0.source)\t\($0.target)" }.joined(separator: "\n") + "\n")
            .write(toFile: folder + "/part.tsv", atomically: true, encoding: .utf8)

        let daemon = try DaemonProcess(
            label: "failedcycle", extraArguments: ["--config", config, "--state-dir", stateDir])
        try daemon.waitUntilReady()
        func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if try condition() { return }
                usleep(100_000)
            }
            throw DaemonTestError("timed out waiting for \(what):\n\(daemon.log.suffix(3000))")
        }
        try waitFor("the first cycle to fail") { daemon.log.contains("refresh failed") }
        try FileManager.default.removeItem(atPath: blocker)
        let reply = try daemon.client.call(
            "POST", "/v1/refresh", body: RefreshRequest(workspace: "failing"), as: RefreshRequest.self
        ).1
        #expect(reply.status == 200)
        try waitFor("a checkpoint after the failed cycle") {
            try !daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0.isEmpty
        }
        let newest = try #require(try daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0.first)
        let statistics = try Self.manifest(at: newest.path).statistics
        #expect(Int(statistics["aligned_sentences"] ?? -1) == corpus.count, "checkpoint statistics \(statistics)")
        #expect(try daemon.terminate() == 0)
        let store = try Store(directory: stateDir)
        let workspace = try #require(try store.workspaces().first)
        let saved = try #require(try store.alignmentState(workspaceID: workspace.id))
        #expect(try IncrementalAligner(serialized: saved.state, changes: saved.changes).sentenceCount == corpus.count)
    }

    // MARK: the schedule

    /// Polls `/v1/status` until a running refresh job reached `progress`, or one that was seen running has ended.
    static func waitForStep(_ progress: Double, daemon: DaemonProcess, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: Int64?
        while Date() < deadline {
            guard let status = try? daemon.client.call("GET", "/v1/status", as: StatusResponse.self).0 else { continue }
            let running = status.jobs.first { $0.kind == .refresh && $0.state == .running }
            if let running {
                if running.progress >= progress { return }
                seen = running.id
            } else if seen != nil {
                return
            }
            usleep(1_000)
        }
    }

    /// Polls the checkpoint directory until a new hidden temporary directory or a new numbered one appears.
    static func waitForCheckpointEntry(in checkpointDir: String, renamed: Bool, timeout: Double) {
        func entries() -> Set<String> {
            Set(
                ((try? FileManager.default.contentsOfDirectory(atPath: checkpointDir)) ?? []).filter {
                    renamed ? Int($0) != nil : $0.contains(".tmp-")
                })
        }
        let before = entries()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, entries().isSubset(of: before) { usleep(200) }
    }

    /// Polls until a file of the oldest numbered checkpoint disappears (retention deleting it), once there are
    /// `keep` of them, so that the kill lands in the middle of the deletion.
    static func waitForRetention(in checkpointDir: String, timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let numbered = ((try? FileManager.default.contentsOfDirectory(atPath: checkpointDir)) ?? []).filter {
                Int($0) != nil
            }
            guard numbered.count >= keep, let oldest = numbered.min(),
                let manifest = try? manifest(at: checkpointDir + "/" + oldest)
            else {
                usleep(500)
                continue
            }
            let paths = (manifest.files.map(\.path) + ["manifest.json"]).map { checkpointDir + "/" + oldest + "/" + $0 }
            while Date() < deadline, paths.allSatisfy({ access($0, F_OK) == 0 }) { usleep(50) }
            return
        }
    }

    /// The step a dead daemon was in: the progress of its unfinished refresh job, refined by what is on disk.
    static func classify(stateDir: String, checkpointDir: String) throws -> Phase {
        let store = try Store(directory: stateDir)
        guard let workspace = try store.workspaces().first,
            let job = try store.activeJobs().last(where: { $0.kind == .refresh && $0.state == .running })
        else { return .idle }
        let checkpoints = try store.checkpoints(workspaceID: workspace.id)
        let alignment = try store.alignmentState(workspaceID: workspace.id)
        switch job.progress {
        case ..<0.05: return .starting
        case ..<0.2: return .loading
        case ..<0.5:
            // The state is saved at the end of the step, so it is newer than the newest checkpoint.
            return (alignment?.appliedSeq ?? 0) > (checkpoints.first?.appliedSeq ?? 0) ? .alignmentSaved : .aligning
        case ..<0.65: return .mapping
        case ..<0.8: return .refreshing
        case ..<1:
            let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointDir)) ?? []
            let known = Set(checkpoints.map(\.number))
            if names.contains(where: { $0.contains(".tmp-") && !$0.contains(".tmp-retired") }) {
                return .checkpointWriting
            }
            if names.contains(where: { Int($0).map { !known.contains($0) } ?? false }) { return .checkpointRenamed }
            if (alignment?.appliedSeq ?? 0) == (checkpoints.first?.appliedSeq ?? -1) { return .retention }
            return .checkpointPreparing
        default: return .published
        }
    }

    // MARK: invariants

    static func manifest(at directory: String) throws -> CheckpointManifestFile {
        try JSONDecoder().decode(
            CheckpointManifestFile.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json")))
    }

    /// Numbered checkpoint directories that are not complete: no manifest, or files that differ from it.
    static func invalidCheckpointDirectories(_ checkpointDir: String) throws -> [String] {
        var problems: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: checkpointDir)) ?? []
        where !name.hasPrefix(".") {
            guard let number = Int(name) else {
                problems.append("unexpected entry \(name) in \(checkpointDir)")
                continue
            }
            let directory = checkpointDir + "/" + name
            guard let manifest = try? manifest(at: directory) else {
                problems.append("checkpoint \(name) is visible without a readable manifest")
                continue
            }
            if manifest.number != number { problems.append("checkpoint \(name) has a manifest for \(manifest.number)") }
            let listed = Set(manifest.files.map(\.path))
            let present = Set(
                (FileManager.default.subpaths(atPath: directory) ?? []).filter {
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: directory + "/" + $0, isDirectory: &isDirectory)
                        && !isDirectory.boolValue
                }
            ).subtracting(["manifest.json"])
            if listed != present {
                problems.append(
                    "checkpoint \(name): files \(present.sorted()) but the manifest lists \(listed.sorted())")
            }
            for file in manifest.files where present.contains(file.path) {
                let path = directory + "/" + file.path
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? -1
                if size != file.size {
                    problems.append("checkpoint \(name): \(file.path) has \(size) bytes, manifest \(file.size)")
                }
                if (try? Digest.sha256Hex(fileAt: path)) != file.sha256 {
                    problems.append("checkpoint \(name): \(file.path) does not match its SHA-256 in the manifest")
                }
            }
        }
        return problems
    }

    static func verifyFinalState(
        seed: UInt64, stateDir: String, checkpointDir: String, corpus: [(source: String, target: String)],
        modelDir: String,
        targetTokenizer: String, cycleKills: Int
    ) throws {
        let store = try Store(directory: stateDir)
        let workspace = try #require(try store.workspaces().first)

        // Pairs: every dropped pair exactly once, each with exactly one `add` event.
        let active = try store.activePairs(workspaceID: workspace.id)
        let stored = Set(active.map { "\($0.source)\t\($0.target)" })
        let expected = Set(corpus.map { "\($0.source)\t\($0.target)" })
        #expect(active.count == corpus.count, "seed \(seed): \(active.count) active pairs, \(corpus.count) dropped")
        #expect(
            stored == expected,
            "seed \(seed): \(expected.subtracting(stored).count) pairs lost, \(stored.subtracting(expected).count) unexpected"
        )
        let events = try store.pairEvents(workspaceID: workspace.id, after: 0, limit: Int.max)
        #expect(
            events.allSatisfy(\.isAddition) && events.count == corpus.count
                && Set(events.map(\.pairID)).count == corpus.count,
            "seed \(seed): \(events.count) pair events for \(Set(events.map(\.pairID)).count) pairs, \(corpus.count) dropped"
        )
        let latest = try store.latestPairEvent(workspaceID: workspace.id)

        // The alignment: applied up to the newest event, every sentence once, batches in event order.
        let saved = try #require(
            try store.alignmentState(workspaceID: workspace.id), "seed \(seed): no alignment state")
        let aligner = try IncrementalAligner(serialized: saved.state, changes: saved.changes, threads: 1)
        #expect(
            saved.appliedSeq == latest,
            "seed \(seed): alignment applied up to event \(saved.appliedSeq), newest is \(latest)")
        #expect(
            aligner.sentenceCount == corpus.count && saved.pairCount == corpus.count,
            "seed \(seed): the alignment holds \(aligner.sentenceCount) sentences (row says \(saved.pairCount)), \(corpus.count) pairs are active"
        )
        let batchIDs = aligner.batchIDs
        #expect(
            batchIDs == batchIDs.sorted() && Set(batchIDs).count == batchIDs.count
                && batchIDs.first.map(Int64.init) == events.first?.seq,
            "seed \(seed): alignment batches \(batchIDs) are not the event order starting at \(events.first?.seq ?? -1)"
        )

        // Checkpoints on disk: no leftovers, all complete, exactly the store's rows, the retention respected.
        let names = try FileManager.default.contentsOfDirectory(atPath: checkpointDir)
        #expect(
            !names.contains { $0.contains(".tmp-") }, "seed \(seed): leftover temporary directories \(names.sorted())")
        for problem in try invalidCheckpointDirectories(checkpointDir) {
            Issue.record("seed \(seed), after settling: \(problem)")
        }
        let records = try store.checkpoints(workspaceID: workspace.id)
        let onDisk = Set(names.compactMap { Int($0) })
        #expect(
            Set(records.map(\.number)) == onDisk,
            "seed \(seed): store rows \(records.map(\.number)), directories \(onDisk.sorted())")
        #expect(records.count == keep, "seed \(seed): \(records.count) checkpoints kept, keep_checkpoints = \(keep)")
        for record in records {
            let data = try Data(contentsOf: URL(fileURLWithPath: record.path + "/manifest.json"))
            #expect(
                Digest.sha256Hex(data) == record.manifestSHA256,
                "seed \(seed): checkpoint \(record.number) manifest differs from its row")
        }

        // The history of every checkpoint ever recorded: numbers and applied events strictly increase, each the
        // child of the previous one (a cycle published twice, or a lost parent, breaks this).
        let history = try runCommand(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import sqlite3,sys
                db=sqlite3.connect(sys.argv[1])
                q = ("select number, applied_seq, coalesce(parent_number, 0), state = 'deleted', pair_count,"
                     " (select count(*) from pair_event e where e.seq <= c.applied_seq) from checkpoint c order by id")
                for r in db.execute(q): print(*r)
                """, stateDir + "/transtok.sqlite",
            ])
        // number, applied_seq, parent, deleted, pair_count, events up to applied_seq
        let rows = history.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Int64($0) } }
        #expect(
            history.status == 0 && !rows.isEmpty && rows.allSatisfy { $0.count == 6 },
            "seed \(seed): cannot read the checkpoint history: \(history.stdout) \(history.stderr)")
        for (previous, row) in zip(rows, rows.dropFirst()) where row.count == 6 && previous.count == 6 {
            #expect(
                row[0] > previous[0] && row[1] > previous[1] && row[2] == previous[0],
                "seed \(seed): checkpoint history \(previous) → \(row) (number, applied_seq, parent, …)")
        }
        // A checkpoint counts the pairs it was built from (all events are additions here), not pairs ingested later.
        for row in rows where row.count == 6 {
            #expect(
                row[4] == row[5],
                "seed \(seed): checkpoint \(row[0]) says \(row[4]) pairs but includes the first \(row[5]) events")
        }
        #expect(rows.filter { $0.count == 6 && $0[3] == 1 }.count == rows.count - keep, "seed \(seed): history \(rows)")

        // Every kill inside a cycle left a running job, marked interrupted at the next start; none runs now.
        let activeJobs = try store.activeJobs()
        #expect(activeJobs.isEmpty, "seed \(seed): jobs still active: \(activeJobs)")
        let interrupted = try runCommand(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import sqlite3,sys
                print(sqlite3.connect(sys.argv[1]).execute("select count(*) from job where kind='refresh' and state='interrupted'").fetchone()[0])
                """, stateDir + "/transtok.sqlite",
            ])
        #expect(
            Int(interrupted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == cycleKills,
            "seed \(seed): \(interrupted.stdout) interrupted jobs, \(cycleKills) kills inside a cycle")

        // Replay without any crash: the same batches (each from its first event to the next batch's first) into a
        // fresh aligner must give the same state, and the embedding and head from it must equal the newest checkpoint.
        let model = try SourceModel(path: modelDir)
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: targetTokenizer))
        let transfer = try TransferPipeline(source: model.tokenizer, target: target, options: MappingOptions())
        var options = IncrementalOptions()
        options.threads = 1
        options.reverseDirection = false // as the daemon
        let replay = IncrementalAligner(options: options)
        for (index, id) in batchIDs.enumerated() {
            let end = index + 1 < batchIDs.count ? Int64(batchIDs[index + 1]) : Int64.max
            let batch = events.filter { $0.seq >= Int64(id) && $0.seq < end }.map { ($0.source, $0.target) }
            try replay.add(batch: id, transfer.wordUnits(batch).parallelCorpus)
        }
        // (Compared as one Bool: a failing comparison of two large byte arrays makes swift-testing diff them for minutes.)
        let sameState = replay.serialized() == aligner.serialized()
        #expect(
            sameState,
            "seed \(seed): the alignment state (snapshot + \(saved.changes.count) change records) differs from a crash-free replay of batches \(batchIDs)"
        )

        let newest = try #require(records.first)
        let statistics = try manifest(at: newest.path).statistics
        #expect(
            Int64(statistics["applied_seq"] ?? -1) == latest
                && Int(statistics["aligned_sentences"] ?? -1) == corpus.count,
            "seed \(seed): newest checkpoint \(newest.number) statistics \(statistics)")
        let lexicons = transfer.wordUnits(active.map { ($0.source, $0.target) })
        let (mapping, _) = transfer.mapper(lexicons).build(from: replay.lexicalTable().alignedWordPairs)
        let remapper = EmbeddingRemapper(kernel: .saxpy, parallelism: 1)
        let tensors = try TensorFiles.open(path: newest.path)
        for (name, source) in [
            ("model.embed_tokens.weight", model.embedding), ("lm_head.weight", try #require(model.head)),
        ] {
            let reference = try remapper.remap(source, mapping: mapping)
            let published = try tensors.float32(name)
            #expect(
                tensors.info(name)?.shape == [reference.rows, reference.columns],
                "seed \(seed): \(name) of checkpoint \(newest.number) has shape \(tensors.info(name)?.shape ?? [])")
            guard published.count == reference.values.count else { continue }
            let worst = zip(published, reference.values).map { abs($0 - $1) }.max() ?? 0
            #expect(
                worst <= 1e-5,
                "seed \(seed): \(name) of checkpoint \(newest.number) differs from the crash-free replay by up to \(worst)"
            )
        }
    }

    /// The first `count` distinct verse pairs of the bundled English–Spanish Bible (no repeated source or target).
    static func bibleCorpus(count: Int) throws -> [(source: String, target: String)] {
        let gz = TinyModel.repository.appendingPathComponent("data/en-es-bible/bible.en-es.tsv.gz").path
        let text = try runCommand("/bin/sh", ["-c", "gzip -dc '\(gz)' | head -n \(count * 2)"]).stdout
        var sources = Set<String>(), targets = Set<String>()
        var pairs: [(source: String, target: String)] = []
        for line in text.split(separator: "\n") where pairs.count < count {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            let source = fields[0].trimmingCharacters(in: .whitespaces),
                target = fields[1].trimmingCharacters(in: .whitespaces)
            guard !source.isEmpty, !target.isEmpty, sources.insert(source).inserted, targets.insert(target).inserted
            else { continue }
            pairs.append((source, target))
        }
        guard pairs.count == count else {
            throw DaemonTestError("only \(pairs.count) distinct verse pairs, wanted \(count)")
        }
        return pairs
    }
}

/// The fields of a checkpoint's `manifest.json` the test reads (decoded independently of the daemon's type).
struct CheckpointManifestFile: Decodable {
    struct File: Decodable {
        var path: String
        var size: Int64
        var sha256: String
    }

    var format: String
    var number: Int
    var files: [File]
    var statistics: [String: Double]
}
