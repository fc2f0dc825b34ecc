import ArgumentParser
import ControlAPI
import Entities
import Foundation

/// `transtok-bench soak`: a real `transtokd` under a seeded schedule of hostile events, with its invariants checked
/// after each one. Exits non-zero on any violation.
struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract:
            "Drive a real transtokd through restarts, S3 faults, hostile files and a full disk; check invariants.",
        discussion: """
            Needs root (the state directory is a small tmpfs the soak fills and empties), the built transtokd beside
            this binary, SeaweedFS (`weed`, started privately through scripts/s3-test-server.sh), curl, sqlite3,
            gzip, fallocate, the SmolLM2 GGUF from $TRANSTOK_ASSETS and a parallel corpus. Prints the counts at the
            end and one line `soak-summary {json}`; exits 1 on any invariant violation. See docs/sync.md ("Soak").
            """)

    @Option(help: "Planned length in minutes (the first round of every event kind always completes).") var minutes:
        Double = 30
    @Option(help: "Seed of the schedule and of the file contents.") var seed: UInt64 = 1
    @Option(help: "Source model (default: $TRANSTOK_ASSETS/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf).") var model:
        String?
    @Option(help: "Parallel corpus, TSV (gzip) source<TAB>target.") var corpus = "data/en-es-bible/bible.en-es.tsv.gz"
    @Option(help: "The S3 server script.") var s3Script = "scripts/s3-test-server.sh"
    @Option(help: "Size of the state directory's tmpfs in MiB.") var tmpfsMib = 1024
    @Option(help: "RSS bound for the daemon in MiB (a violation beyond).") var maxRssMib = 1536
    @Option(help: "Work directory (default: a new one under /tmp, removed at the end unless --keep).") var workDir:
        String?
    @Flag(help: "Keep the work directory (daemon log, state) at the end.") var keep = false

    func run() throws {
        guard geteuid() == 0 else {
            throw ValidationError("the soak mounts a tmpfs for the daemon's state: run it as root")
        }
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let repo = bin.deletingLastPathComponent().deletingLastPathComponent().path // .build/<config>/ → the package
        func locate(_ path: String) -> String {
            if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) {
                return URL(fileURLWithPath: path).standardizedFileURL.path
            }
            return repo + "/" + path
        }
        let modelPath: String
        if let model {
            modelPath = locate(model)
        } else {
            guard let assets = ProcessInfo.processInfo.environment["TRANSTOK_ASSETS"], !assets.isEmpty else {
                throw ValidationError("set TRANSTOK_ASSETS (or give --model)")
            }
            modelPath = assets + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
        }
        for (what, path) in [
            ("model", modelPath), ("corpus", locate(corpus)), ("S3 server script", locate(s3Script)),
            ("transtokd", bin.path + "/transtokd"),
        ] where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no \(what) at \(path)")
        }
        let run = try SoakRun(
            minutes: minutes, seed: seed, model: modelPath, corpus: locate(corpus), script: locate(s3Script),
            daemonBinary: bin.path + "/transtokd", tmpfsMiB: tmpfsMib, maxRSSMiB: maxRssMib, workDir: workDir,
            keep: keep)
        let report = run.execute()
        print(report.printed())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(report) { print("soak-summary " + String(decoding: data, as: UTF8.self)) }
        if !report.violations.isEmpty { throw ExitCode(1) }
    }
}

/// One soak run: setup, the event loop, the final checks, teardown.
final class SoakRun {
    let minutes: Double
    let seed: UInt64
    let model: String
    let corpusPath: String
    let script: String
    let daemonBinary: String
    let tmpfsMiB: Int
    let maxRSSMiB: Int
    let root: String
    let keep: Bool
    let workspace = "soak"
    var report: SoakReport
    var rng: SoakRandom
    let started = Date()
    /// Timings of the daemon's configuration (short, so events come fast; printed with the report).
    let debounce = 0.3, refreshDebounce = 0.3

    init(
        minutes: Double, seed: UInt64, model: String, corpus: String, script: String, daemonBinary: String,
        tmpfsMiB: Int, maxRSSMiB: Int, workDir: String?, keep: Bool
    ) throws {
        self.minutes = minutes
        self.seed = seed
        self.model = model
        corpusPath = corpus
        self.script = script
        self.daemonBinary = daemonBinary
        self.tmpfsMiB = tmpfsMiB
        self.maxRSSMiB = maxRSSMiB
        root = workDir ?? "/tmp/transtok-soak-\(seed)-\(getpid())"
        self.keep = keep || workDir != nil
        report = SoakReport(seed: seed, minutes: minutes)
        report.rssBoundMiB = maxRSSMiB
        rng = SoakRandom(seed: seed &* 0x2545_F491_4F6C_DD1D)
    }

    var stateDir: String { root + "/state" }
    var folder: String { root + "/incoming" }
    var ballast: String { stateDir + "/soak-ballast" }
    var elapsed: Double { Date().timeIntervalSince(started) }
    /// The issue's 60 s outage, scaled down for short runs (a 30-minute run gets the full minute).
    var outageSeconds: Double { max(5, 60 * min(1, minutes / 30)) }

    func log(_ line: String) {
        FileHandle.standardError.write(Data((String(format: "[%7.1f s] ", elapsed) + line + "\n").utf8))
    }

    /// Problems already reported (a lasting one, e.g. a stored truncated pair, is reported once, not per event).
    var reported: Set<String> = []
    var timings: [String] = []

    func violation(_ event: Int, _ what: String, _ problems: [String]) {
        for problem in problems where reported.insert(problem).inserted {
            let line = "event \(event) (\(what)): \(problem)"
            report.violations.append(line)
            log("VIOLATION " + line)
        }
    }

    /// Set by SIGINT/SIGTERM: the loop stops and the cleanup (daemon, S3 server, tmpfs) runs.
    nonisolated(unsafe) static var interrupted = false

    func execute() -> SoakReport {
        for sig in [SIGINT, SIGTERM] { signal(sig) { _ in SoakRun.interrupted = true } }
        var s3: SoakS3?
        var daemon: SoakDaemon?
        var mounted = false
        defer {
            daemon?.stopQuietly()
            s3?.stop()
            if mounted { _ = try? SoakShell.run("/bin/umount", ["-l", stateDir]) }
            if !keep { try? FileManager.default.removeItem(atPath: root) } else { log("work directory kept: \(root)") }
        }
        do {
            for dir in [root, stateDir, folder, root + "/outside", root + "/home"] {
                try FileManager.default.createDirectory(
                    atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            }
            try SoakShell.check("/bin/mount", ["-t", "tmpfs", "-o", "size=\(tmpfsMiB)m,mode=0700", "tmpfs", stateDir])
            mounted = true
            // Enough key generations for one rotation per event of the planned run.
            let server = try SoakS3(root: root, script: script, maxRotations: max(8, Int(minutes * 4)), seed: seed)
            s3 = server
            log("S3 server \(server.endpoint), proxy \(server.proxy.endpoint)")
            let remotePrefix = "soak-\(seed)-\(getpid())"
            let config = root + "/transtokd.json"
            try """
            {"socket": "\(root)/transtokd.sock", "state_dir": "\(stateDir)", "log_level": "info", "blas_threads": 1,
             "debounce_seconds": \(debounce), "refresh_debounce_seconds": \(refreshDebounce), "min_new_pairs": 1,
             "keep_checkpoints": 2,
             "remotes": [{"name": "soak", "url": "s3://\(server.bucket)/\(remotePrefix)", "endpoint": "\(server.proxy.endpoint)",
               "region": "\(server.region)", "addressing": "path", "credentials_file": "\(server.credentialsFile)"}],
             "workspaces": [{"name": "\(workspace)", "source_language": "en", "target_language": "es",
               "source_model": "\(model)", "parallel_dirs": ["\(folder)"], "remote": "soak"}]}
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let corpus = try SoakCorpus(folder: folder, outside: root + "/outside", corpus: corpusPath)
            let checks = SoakInvariants(
                stateDir: stateDir, workspace: workspace, folder: folder, s3: server, remotePrefix: remotePrefix)
            let d = SoakDaemon(
                binary: daemonBinary, config: config, socket: root + "/transtokd.sock", logPath: root + "/daemon.log",
                home: root + "/home")
            daemon = d
            try loop(daemon: d, s3: server, corpus: corpus, checks: checks)
        } catch {
            report.violations.append("soak aborted: \(error)")
            log("ABORTED: \(error)\n\(daemon?.logTail() ?? "")")
        }
        report.wallSeconds = elapsed
        report.peakRSSMiB = (daemon?.peakRSSKiB ?? 0) / 1024
        report.restartsSigterm = daemon?.sigterms ?? 0
        report.restartsKill9 = daemon?.kills ?? 0
        report.slowestSigtermStopSeconds = daemon?.slowestStop ?? 0
        if let stats = s3?.proxy.stats {
            report.proxyConnections = stats.connections
            report.proxyFaultsApplied = stats.faultsInjected
            report.proxyKeyRejections = stats.keyRejections
            report.proxyOutageResets = stats.outageResets
        }
        return report
    }

    // MARK: the loop

    func loop(daemon: SoakDaemon, s3: SoakS3, corpus: SoakCorpus, checks: SoakInvariants) throws {
        // A first corpus (enough lines to train a tokenizer), then the first checkpoint (tokenizer training, base
        // weights, first upload).
        for _ in 0..<4 { _ = try corpus.add(count: 100, using: &rng) }
        try daemon.start()
        let deadline = Date().addingTimeInterval(900)
        while Date() < deadline {
            daemon.sampleRSS()
            if let status = try? daemon.client.status(), status.counts.checkpoints >= 1 { break }
            guard daemon.isRunning else {
                throw SoakError("transtokd exited before its first checkpoint:\n\(daemon.logTail())")
            }
            usleep(250_000)
        }
        log("first checkpoint after \(String(format: "%.1f", elapsed)) s")
        try settleAndCheck(0, "start", daemon: daemon, corpus: corpus, checks: checks, queries: true)

        var schedule = SoakSchedule(seed: seed)
        var index = 0
        while !schedule.firstRoundDone || elapsed < minutes * 60 {
            if SoakRun.interrupted { throw SoakError("interrupted") }
            index += 1
            let event = schedule.next()
            report.events[event.rawValue, default: 0] += 1
            let what = try apply(event, index: index, daemon: daemon, s3: s3, corpus: corpus, checks: checks)
            log("event \(index): \(event.rawValue) \(what)")
            timings.removeAll()
            let restarted = event == .sigterm || event == .kill9
            try settleAndCheck(
                index, event.rawValue, daemon: daemon, corpus: corpus, checks: checks, queries: restarted)
            report.eventsSurvived += 1
            log("  " + timings.joined(separator: "; "))
        }

        // At the end the newest checkpoint reaches the remote (asked for, as faults may have left it in backoff).
        let newest = try checks.checkpoints().newest
        _ = try? daemon.client.send(
            method: "POST", path: "/v1/sync", body: Array(#"{"workspace":"\#(workspace)"}"#.utf8))
        let until = Date().addingTimeInterval(180)
        var published: [String] = []
        while Date() < until {
            published = try checks.remote().published
            if let newest, published.contains(newest) { break }
            daemon.sampleRSS()
            sleep(1)
        }
        if let newest, !published.contains(newest) {
            violation(index, "end", ["newest checkpoint \(newest) not on the remote within 180 s (\(published))"])
        }
        report.checkpointsPublishedRemote = published.count
        report.pairsExpected = corpus.expected.count
        report.filesInFolder = corpus.files.count
        let (status, took) = try daemon.terminate()
        if status != 0 { violation(index, "end", ["transtokd exited \(status) on SIGTERM"]) }
        log(String(format: "final SIGTERM: exit %d after %.2f s", status, took))
    }

    /// Applies one event; returns a description for the log.
    func apply(
        _ event: SoakEvent, index: Int, daemon: SoakDaemon, s3: SoakS3, corpus: SoakCorpus, checks: SoakInvariants
    ) throws -> String {
        switch event {
        case .add: return try corpus.add(using: &rng)
        case .edit: return try corpus.edit(using: &rng)
        case .delete: return try corpus.delete(using: &rng)
        case .gzip: return try corpus.gzip(using: &rng)
        case .malformed:
            let (name, how) = try corpus.malformed(using: &rng)
            return "\(name) (\(how))"
        case .symlinkInside: return try corpus.symlinkInside(using: &rng)
        case .symlinkOutside: return try corpus.symlinkOutside(using: &rng)
        case .halfWritten: return try corpus.halfWritten(pause: Double.random(in: 1...2.5, using: &rng), using: &rng)
        case .sigterm, .kill9:
            // At a random moment of the work a file change starts (ingestion, a cycle, an upload).
            let name = Bool.random(using: &rng) ? try corpus.add(using: &rng) : try corpus.edit(using: &rng)
            let wait = Double.random(in: 0...4, using: &rng)
            Thread.sleep(forTimeInterval: wait)
            var detail = String(format: "%@ after %@ +%.2f s", event == .sigterm ? "SIGTERM" : "kill -9", name, wait)
            if event == .sigterm {
                // Uploads stop at once on SIGTERM and a refresh cycle stops at its next step boundary (at most
                // `PipelineService.shutdownGraceSeconds`, 3 s, then the daemon stops without waiting for it): the
                // bound is 10 s either way. Stops during a cycle are still reported apart.
                let cycleRunning =
                    (try? daemon.client.status())?.jobs.contains { $0.kind == .refresh && $0.state == .running }
                    ?? false
                let (status, took) = try daemon.terminate()
                detail += String(
                    format: ", exit %d in %.2f s%@", status, took, cycleRunning ? " (a cycle was running)" : "")
                if status != 0 { violation(index, event.rawValue, ["transtokd exited \(status) on SIGTERM"]) }
                if cycleRunning {
                    report.sigtermsDuringCycle += 1
                    report.slowestSigtermStopDuringCycleSeconds = max(report.slowestSigtermStopDuringCycleSeconds, took)
                } else {
                    report.slowestSigtermStopIdleOrUploadSeconds = max(
                        report.slowestSigtermStopIdleOrUploadSeconds, took)
                }
                if took > 10 {
                    violation(
                        index, event.rawValue,
                        [String(format: "SIGTERM took %.1f s%@", took, cycleRunning ? " (during a cycle)" : "")])
                }
            } else {
                daemon.kill9()
            }
            try daemon.start()
            return detail
        case .s3Reset:
            s3.proxy.inject(Array(repeating: .reset, count: 3))
            report.faults["s3 reset", default: 0] += 3
            return "3 resets, then " + (try corpus.add(using: &rng))
        case .s3Error500:
            s3.proxy.inject(Array(repeating: .respond(500, "InternalError"), count: 3))
            report.faults["s3 500", default: 0] += 3
            return "3 × 500, then " + (try corpus.add(using: &rng))
        case .s3Slow:
            let seconds = Double.random(in: 1...3, using: &rng)
            s3.proxy.inject(Array(repeating: .delay(seconds), count: 4))
            s3.proxy.setThrottle(bytesPerSecond: 4 << 20)
            report.faults["s3 slow", default: 0] += 4
            let name = try corpus.add(using: &rng)
            Thread.sleep(forTimeInterval: 2 * seconds)
            s3.proxy.setThrottle(bytesPerSecond: nil)
            return String(format: "4 × %.1f s delays and 4 MiB/s for a while, then %@", seconds, name)
        case .s3Outage:
            s3.proxy.startOutage(seconds: outageSeconds)
            report.faults["s3 outage", default: 0] += 1
            let name = try corpus.add(using: &rng)
            Thread.sleep(forTimeInterval: outageSeconds)
            return String(format: "%.0f s outage during %@", outageSeconds, name)
        case .credentialRotation:
            // During the work a change starts (a cycle, then its upload under the old key): jobs in flight meet the
            // refusal and must read the credentials again.
            let name = try corpus.add(using: &rng)
            let wait = Double.random(in: 0.5...3, using: &rng)
            Thread.sleep(forTimeInterval: wait)
            try s3.rotate()
            report.faults["credential rotation", default: 0] += 1
            return String(format: "%@, then %.2f s later to %@", name, wait, s3.currentKey)
        case .diskFull:
            return try diskFull(index: index, daemon: daemon, corpus: corpus, checks: checks)
        }
    }

    /// Fills the state directory's tmpfs (a ballast file), changes the corpus, checks what must hold even then
    /// (checkpoints complete, no temporary leftovers once settled, queries answered), and frees the space.
    func diskFull(index: Int, daemon: SoakDaemon, corpus: SoakCorpus, checks: SoakInvariants) throws -> String {
        var info = statvfs()
        guard statvfs(stateDir, &info) == 0 else {
            throw SoakError("statvfs \(stateDir): \(String(cString: strerror(errno)))")
        }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        try SoakShell.check("/usr/bin/fallocate", ["-l", "\(max(4096, free - 256 * 1024))", ballast])
        report.faults["disk full", default: 0] += 1
        let name = try corpus.edit(using: &rng)
        _ = settle(daemon: daemon, timeout: 60)
        var problems = try checks.checkpoints().problems
        problems += checks.leftovers().map { "temporary leftover while the disk is full: \($0)" }
        if let failure = lookupFails(daemon) { problems.append("while the disk is full: \(failure)") }
        violation(index, "disk-full (full)", problems)
        report.checks += 1
        try FileManager.default.removeItem(atPath: ballast)
        // Space is back: the next cycle (asked for, instead of waiting for the periodic retry) must succeed.
        _ = try? daemon.client.send(
            method: "POST", path: "/v1/refresh", body: Array(#"{"workspace":"\#(workspace)"}"#.utf8))
        return "filled \(free >> 20) MiB, edited \(name), emptied"
    }

    // MARK: settling and checking

    /// Waits until the daemon has been idle (no pending file, no queued or running job) for longer than its
    /// debounces; samples RSS meanwhile.
    func settle(daemon: SoakDaemon, timeout: Double) -> Bool {
        let quiet = debounce + refreshDebounce + 1.2
        let deadline = Date().addingTimeInterval(timeout)
        var quietSince: Date?
        while Date() < deadline, !SoakRun.interrupted {
            daemon.sampleRSS()
            if let status = try? daemon.client.status() {
                let busy =
                    status.counts.filesPending > 0 || status.counts.jobsQueued > 0 || status.counts.jobsRunning > 0
                if busy {
                    quietSince = nil
                } else if let since = quietSince {
                    if Date().timeIntervalSince(since) >= quiet { return true }
                } else {
                    quietSince = Date()
                }
            } else {
                quietSince = nil
            }
            usleep(150_000)
        }
        return false
    }

    func lookupFails(_ daemon: SoakDaemon) -> String? {
        let reply = try? daemon.client.send(method: "GET", path: "/v1/lookup?word=God&workspace=\(workspace)")
        guard let reply else { return "lookup: no answer" }
        return reply.status == 200
            ? nil : "lookup: HTTP \(reply.status) \(String(decoding: reply.body.prefix(300), as: UTF8.self))"
    }

    func translateFails(_ daemon: SoakDaemon) -> String? {
        var client = daemon.client
        client.timeoutSeconds = 120
        guard
            let body = try? JSONEncoder().encode(
                TranslateRequest(
                    workspace: workspace, text: "In the beginning God created the heaven and the earth.", beams: nil,
                    maxTokens: 8))
        else { return "translate: cannot encode" }
        guard let reply = try? client.send(method: "POST", path: "/v1/stream/translate", body: Array(body)) else {
            return "translate: no answer"
        }
        guard reply.status == 200, !reply.body.isEmpty else {
            return "translate: HTTP \(reply.status) \(String(decoding: reply.body.prefix(300), as: UTF8.self))"
        }
        return nil
    }

    /// Settles, then checks every invariant; a mismatch of the corpus is re-checked after settling again (for up to
    /// a minute: events are hints, the daemon may still be catching up) before it counts as a violation.
    func settleAndCheck(
        _ index: Int, _ what: String, daemon: SoakDaemon, corpus: SoakCorpus, checks: SoakInvariants, queries: Bool
    ) throws {
        let started = Date()
        let deadline = started.addingTimeInterval(60)
        var problems: [String] = []
        var settledAfter = 0.0
        repeat {
            if SoakRun.interrupted { throw SoakError("interrupted") }
            guard daemon.isRunning else {
                violation(index, what, ["transtokd died:\n\(daemon.logTail())"])
                throw SoakError("transtokd died")
            }
            if !settle(daemon: daemon, timeout: 120) {
                problems = ["the daemon did not settle within 120 s"]
                continue
            }
            settledAfter = Date().timeIntervalSince(started)
            let (pending, lasting) = try checks.pairs(corpus)
            problems = pending
            if problems.isEmpty, let status = try? daemon.client.status() {
                problems = checks.statusAgrees(status, corpus)
            }
            problems += lasting
            if problems.count == lasting.count { break }
            usleep(500_000)
        } while Date() < deadline
        guard let status = try? daemon.client.status() else { throw SoakError("no status from transtokd") }
        problems += try checks.tokenizerUnchanged(status)
        problems += try checks.checkpoints().problems
        problems += try checks.remote().problems
        problems += checks.leftovers().map { "temporary leftover after settling: \($0)" }
        if let failure = lookupFails(daemon) { problems.append(failure) }
        let translating = Date()
        if queries, let failure = translateFails(daemon) { problems.append(failure) }
        timings.append(
            String(
                format: "settled %.1f s, checked %.1f s, translate %.1f s",
                settledAfter, Date().timeIntervalSince(started) - settledAfter,
                queries ? Date().timeIntervalSince(translating) : 0))
        let rss = daemon.sampleRSS()
        if rss / 1024 > maxRSSMiB { problems.append("RSS \(rss / 1024) MiB above the bound of \(maxRSSMiB) MiB") }
        report.checks += 1
        violation(index, what, problems)
    }
}
