import ControlAPI
import Foundation
import Testing

/// #14, with a real `transtokd` whose cycles are held in their "test delay" step
/// (`TRANSTOK_TEST_CYCLE_DELAY_SECONDS`, test-only): SIGTERM cancels the running cycle, so the daemon exits within a
/// few seconds, publishes nothing half-done and the next start redoes the cycle; and `lookup` answers from the last
/// published state while a cycle runs, instead of queueing behind it.
@Suite(.serialized)
struct CycleCancellationTests {
    /// A workspace on the tiny model watching `incoming/`, with `files` Bible-pair files dropped in it.
    struct Setup {
        let root: String, folder: String, stateDir: String, config: String, checkpointDir: String
        let corpus: [(source: String, target: String)]

        init(_ label: String, pairs: Int) throws {
            root = try makeTemporaryDirectory(label)
            folder = root + "/incoming"
            stateDir = root + "/state"
            config = root + "/config.json"
            checkpointDir = stateDir + "/checkpoints/cancel"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let modelDir = root + "/model"
            try TinyModel.write(to: modelDir)
            let targetTokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
            try """
            {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1,
             "max_refresh_interval_seconds": 1, "blas_threads": 1,
             "workspaces": [{"name": "cancel", "source_language": "en", "target_language": "es",
               "source_model": "\(modelDir)", "target_tokenizer": "\(targetTokenizer)", "parallel_dirs": ["\(folder)"]}]}
            """.write(toFile: config, atomically: true, encoding: .utf8)
            corpus = try RefreshCrashLoopTests.bibleCorpus(count: pairs)
        }

        func drop(_ name: String, _ range: Range<Int>) throws {
            let lines = corpus[range].map { "\($0.source)\t\($0.target)" }
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: folder + "/\(name).tsv", atomically: true, encoding: .utf8)
        }

        func daemon(_ label: String, delay: Double?, uninterruptible: Bool = false) throws -> DaemonProcess {
            var environment = delay.map { ["TRANSTOK_TEST_CYCLE_DELAY_SECONDS": "\($0)"] } ?? [:]
            if uninterruptible { environment["TRANSTOK_TEST_CYCLE_DELAY_UNINTERRUPTIBLE"] = "1" }
            let daemon = try DaemonProcess(
                label: label, extraArguments: ["--config", config, "--state-dir", stateDir], environment: environment)
            try daemon.waitUntilReady()
            return daemon
        }

        /// Numbered (published) and hidden temporary entries of the checkpoint directory.
        func checkpoints() -> (published: [String], temporary: [String]) {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: checkpointDir)) ?? []
            return (entries.filter { Int($0) != nil }.sorted(), entries.filter { $0.contains(".tmp") })
        }
    }

    /// Waits until a refresh job newer than `after` runs its "test delay" step; returns its id.
    static func waitForHeldCycle(_ daemon: DaemonProcess, after: Int64 = 0, timeout: Double = 20) throws -> Int64 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = try? daemon.client.call("GET", "/v1/status", as: StatusResponse.self).0,
                let job = status.jobs.first(where: {
                    $0.kind == .refresh && $0.state == .running && $0.id > after && $0.message == "test delay"
                })
            {
                return job.id
            }
            usleep(20_000)
        }
        throw DaemonTestError(
            "no refresh cycle reached its test delay within \(timeout) s:\n\(daemon.log.suffix(3000))")
    }

    @Test func sigtermCancelsTheRunningCycleAndTheNextStartPublishes() throws {
        let setup = try Setup("cancel-term", pairs: 120)
        defer { try? FileManager.default.removeItem(atPath: setup.root) }
        try setup.drop("part0", 0..<120)
        // The cycle is held for a minute: without cancellation SIGTERM would wait for all of it.
        let daemon = try setup.daemon("cancel-term", delay: 60)
        _ = try Self.waitForHeldCycle(daemon)
        let asked = Date()
        let status = try daemon.terminate(timeout: 30)
        let took = Date().timeIntervalSince(asked)
        #expect(status == 0)
        #expect(took < 5, "transtokd took \(took) s to stop during a cycle")
        #expect(daemon.log.contains("refresh cancelled by shutdown"), "\(daemon.log.suffix(2000))")
        let after = setup.checkpoints()
        #expect(after.published.isEmpty, "a cancelled cycle published \(after.published)")
        #expect(after.temporary.isEmpty, "a cancelled cycle left \(after.temporary)")

        // The next start (no delay) redoes the cycle and publishes checkpoint 1.
        let restarted = try setup.daemon("cancel-term-2", delay: nil)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, setup.checkpoints().published.isEmpty { usleep(50_000) }
        #expect(setup.checkpoints().published.count == 1, "\(restarted.log.suffix(2000))")
        #expect(try restarted.terminate() == 0)
        #expect(setup.checkpoints().temporary.isEmpty)
    }

    /// A step that cannot be interrupted (here the test delay with cancellation ignored) does not hold SIGTERM
    /// longer than the shutdown grace period: the daemon stops without waiting, as after a crash, and the next start
    /// settles the unfinished cycle and publishes.
    @Test func sigtermDuringAnUninterruptibleStepStopsAfterTheGracePeriod() throws {
        let setup = try Setup("cancel-grace", pairs: 120)
        defer { try? FileManager.default.removeItem(atPath: setup.root) }
        try setup.drop("part0", 0..<120)
        let daemon = try setup.daemon("cancel-grace", delay: 60, uninterruptible: true)
        _ = try Self.waitForHeldCycle(daemon)
        let asked = Date()
        let status = try daemon.terminate(timeout: 30)
        let took = Date().timeIntervalSince(asked)
        #expect(status == 0)
        #expect(took < 8, "transtokd took \(took) s to stop during an uninterruptible step")
        #expect(
            daemon.log.contains("stopping without waiting for the running refresh cycle"), "\(daemon.log.suffix(2000))")
        #expect(setup.checkpoints().published.isEmpty)

        let restarted = try setup.daemon("cancel-grace-2", delay: nil)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, setup.checkpoints().published.isEmpty { usleep(50_000) }
        #expect(setup.checkpoints().published.count == 1, "\(restarted.log.suffix(2000))")
        #expect(try restarted.terminate() == 0)
        #expect(setup.checkpoints().temporary.isEmpty)
    }

    @Test func lookupDuringARunningCycleAnswersFromThePublishedState() throws {
        let setup = try Setup("cancel-lookup", pairs: 160)
        defer { try? FileManager.default.removeItem(atPath: setup.root) }
        try setup.drop("part0", 0..<120)
        let delay = 8.0
        let daemon = try setup.daemon("cancel-lookup", delay: delay)
        let first = try Self.waitForHeldCycle(daemon)
        let deadline = Date().addingTimeInterval(delay + 15)
        while Date() < deadline, setup.checkpoints().published.isEmpty { usleep(50_000) }
        try #require(setup.checkpoints().published.count == 1, "\(daemon.log.suffix(2000))")
        let query = LookupQuery(word: "God", limit: 5)
        let published = try daemon.client.lookup(query)

        // New text starts a second cycle, held in its test delay: the lookup must not wait for it.
        try setup.drop("part1", 120..<160)
        _ = try Self.waitForHeldCycle(daemon, after: first)
        let asked = Date()
        let during = try daemon.client.lookup(query)
        let took = Date().timeIntervalSince(asked)
        #expect(took < 1.5, "lookup took \(took) s during a cycle held for \(delay) s")
        #expect(during == published, "a lookup during a cycle answers from the last published state")
        let running = try daemon.client.call("GET", "/v1/status", as: StatusResponse.self).0.counts.jobsRunning
        #expect(running == 1, "the cycle was still running when the lookup answered")
        #expect(try daemon.terminate() == 0)
    }
}
