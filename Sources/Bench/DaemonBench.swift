import ArgumentParser
import Foundation

/// `transtok-bench daemon`: from a file landing in a watched folder to a new checkpoint (1,000 new pairs on top of
/// 27,000, 28,000 and 29,000: the median of the rounds, since one cycle is short enough for machine noise to matter),
/// beside from-scratch `transtok transfer` runs of the whole corpus in the same run (their median); daemon RSS idle
/// with the SmolLM2 workspace loaded, and while ingesting 100,000 pairs.
struct DaemonBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon", abstract: "Incremental refresh latency vs a full transfer; daemon memory.")

    @Option(help: "Source model.") var model = ".assets/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Parallel corpus (TSV, gzip).") var corpus = "data/en-es-bible/bible.en-es.tsv.gz"
    @Option(help: "Pairs ingested before the measured refreshes.") var base = 27_000
    @Option(name: .customLong("new"), help: "Pairs added for each measured refresh.") var added = 1_000
    @Option(help: "Measured refreshes, each adding --new pairs (the median is compared).") var rounds = 3
    @Option(help: "Synthetic pairs for the ingestion-memory measurement (0 skips it).") var bulk = 100_000
    @Option(help: "The daemon's watcher debounce (seconds; part of the measured latency).") var watchDebounce = 0.05
    @Option(help: "The daemon's refresh debounce (seconds; part of the measured latency).") var refreshDebounce = 0.0

    func run() async throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .path
        let modelPath = URL(fileURLWithPath: model).standardizedFileURL.path
        let lines = try Self.shell("zcat '\(corpus)'").split(separator: "\n").map(String.init)
        let total = base + added * rounds
        guard rounds >= 1, lines.count >= total else {
            throw ValidationError("the corpus has only \(lines.count) pairs, need \(total)")
        }
        let root = NSTemporaryDirectory() + "transtok-bench-daemon-\(getpid())"
        let incoming = root + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let socket = root + "/d.sock"
        // Debounce windows are policy (waiting on purpose for more files), not work: the benchmark sets them short
        // and prints them, so the figure is the machinery's latency. Defaults: 2 s and 5 s.
        try """
        {"socket": "\(socket)", "state_dir": "\(root)/state", "debounce_seconds": \(watchDebounce), "refresh_debounce_seconds": \(refreshDebounce),
         "min_new_pairs": 1, "blas_threads": 2,
         "workspaces": [{"name": "bench", "source_language": "en", "target_language": "es",
           "source_model": "\(modelPath)", "parallel_dirs": ["\(incoming)"]}]}
        """.write(toFile: root + "/config.json", atomically: true, encoding: .utf8)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: bin + "/transtokd")
        daemon.arguments = ["--config", root + "/config.json"]
        daemon.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let log = root + "/daemon.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        daemon.standardError = FileHandle(forWritingAtPath: log)
        try daemon.run()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        let checkpoints = root + "/state/checkpoints/bench"

        print("transtok-bench daemon: \(base) + \(rounds) × \(added) pairs of \(corpus), model \(model)")
        var start = Date()
        try Self.drop(lines[0..<base], as: "base.tsv", into: incoming)
        try Self.wait(for: checkpoints + "/000001/manifest.json", daemon: daemon, log: log)
        let first = Date().timeIntervalSince(start)
        sleep(2)
        let idle = Self.rss(daemon.processIdentifier)

        var latencies: [Double] = []
        var steps: [[(String, Double)]] = []
        for round in 0..<rounds {
            let from = base + round * added, manifest = checkpoints + String(format: "/%06d/manifest.json", round + 2)
            start = Date()
            try Self.drop(lines[from..<(from + added)], as: "new-\(round + 1).tsv", into: incoming)
            try Self.wait(for: manifest, daemon: daemon, log: log)
            latencies.append(Date().timeIntervalSince(start))
            steps.append(Self.stepSeconds(manifest: manifest))
            usleep(300_000)
        }
        let median = latencies.sorted()[latencies.count / 2]
        let medianRound = latencies.firstIndex(of: median) ?? 0

        // The peer: a from-scratch transfer of the same corpus with the tokenizer the daemon trained.
        let all = lines[0..<total].map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        try all.map { String($0[0]) }.joined(separator: "\n").write(
            toFile: root + "/all.en", atomically: true, encoding: .utf8)
        try all.map { String($0.count > 1 ? $0[1] : "") }.joined(separator: "\n").write(
            toFile: root + "/all.es", atomically: true, encoding: .utf8)
        // As many runs as refresh rounds, the median compared (the same statistic on both sides).
        var peers: [ChildRun.Result] = []
        for run in 0..<rounds {
            let result = try ChildRun.measure(
                [
                    bin + "/transtok", "transfer", "--model", modelPath,
                    "--target-tokenizer", root + "/state/workspaces/bench/tokenizer-v1/tokenizer.json",
                    "--source-text", root + "/all.en", "--target-text", root + "/all.es", "--output",
                    root + "/full-\(run)",
                    // The peer of earlier runs (IBM 1): `transfer`'s default is now the slower `best` aligner.
                    "--aligner", "ibm1",
                ],
                environment: ProcessInfo.processInfo.environment)
            guard result.status == 0 else {
                throw ValidationError("transtok transfer failed:\n\(result.output.suffix(2000))")
            }
            try? FileManager.default.removeItem(atPath: root + "/full-\(run)")
            peers.append(result)
        }
        let full = peers.sorted { $0.wall < $1.wall }[peers.count / 2]

        // Memory while ingesting `bulk` distinct synthetic pairs (verse pairs glued two by two).
        let n = lines.count
        var synthetic: [String] = []
        synthetic.reserveCapacity(bulk)
        for i in 0..<max(0, bulk) {
            let a = lines[i % n].split(separator: "\t"), b = lines[(i / n + 1 + i * 7) % n].split(separator: "\t")
            guard a.count == 2, b.count == 2 else { continue }
            synthetic.append("\(a[0]) \(b[0]) #\(i)\t\(a[1]) \(b[1]) #\(i)")
        }
        var peak = Self.rss(daemon.processIdentifier)
        if !synthetic.isEmpty { try Self.drop(synthetic[...], as: "bulk.tsv", into: incoming) }
        let deadline = Date().addingTimeInterval(900)
        while !synthetic.isEmpty, Date() < deadline {
            peak = max(peak, Self.rss(daemon.processIdentifier))
            // The daemon's own filter, not the table's layout (which changed when `files` became an aligned table).
            let ingested = try Self.shell("'\(bin)/transtok' files --socket '\(socket)' --state ingested --no-headers")
            if ingested.contains("bulk.tsv") { break }
            usleep(100_000)
        }

        print("")
        print(String(format: "  first checkpoint (tokenizer training + %d pairs)   %8.1f s", base, first))
        print(
            String(
                format:
                    "  +%d pairs: file landed → new checkpoint, median   %8.2f s   (rounds: %@; debounce %.2f s + %.2f s included)",
                added, median, latencies.map { String(format: "%.2f", $0) }.joined(separator: " "), watchDebounce,
                refreshDebounce))
        print("    steps of the median round (\(medianRound + 1)):")
        for (name, seconds) in steps[medianRound] {
            let label = name.replacingOccurrences(of: "_", with: " ")
            print(
                "      " + label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f s", seconds)
            )
        }
        print(
            String(
                format:
                    "  from-scratch transtok transfer (%d pairs), median %8.1f s wall, %.1f s CPU, peak %d MiB   (runs: %@)",
                total, full.wall, full.cpu, full.maxRSSKiB / 1024,
                peers.map { String(format: "%.1f", $0.wall) }.joined(separator: " ")))
        print(
            String(
                format: "  ratio incremental (median) / full                 %8.1f %%   (goal ≤ 10%%)",
                100 * median / full.wall))
        let lastManifest = checkpoints + String(format: "/%06d/manifest.json", rounds + 1)
        if let bytes = Self.statistic("alignment_change_bytes", manifest: lastManifest),
            let snapshot = Self.statistic("alignment_snapshot_bytes", manifest: lastManifest)
        {
            print(
                String(
                    format: "  alignment state saved: %.1f MB of change records on a %.1f MB snapshot", bytes / 1e6,
                    snapshot / 1e6))
        }
        print(String(format: "  daemon RSS idle with the workspace loaded         %8d MiB", idle / 1024))
        print(String(format: "  daemon peak RSS while ingesting %d pairs      %8d MiB", synthetic.count, peak / 1024))
    }

    /// The refresh cycle's own step timings (`seconds_*` statistics of a checkpoint manifest), in cycle order.
    static func stepSeconds(manifest path: String) -> [(String, Double)] {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let statistics = json["statistics"] as? [String: Double]
        else { return [] }
        let order = [
            "load", "word_units", "align", "map", "refresh_rows", "write_base_weights__once_",
            "write_checkpoint", "wait_for_the_alignment_state_to_be_saved",
            "align_reverse_direction__background_", "save_alignment_state__background_",
        ]
        return statistics.filter { $0.key.hasPrefix("seconds_") }
            .map { (String($0.key.dropFirst("seconds_".count)), $0.value) }
            .sorted {
                (order.firstIndex(of: $0.0) ?? order.count, $0.0) < (order.firstIndex(of: $1.0) ?? order.count, $1.0)
            }
    }

    static func statistic(_ name: String, manifest path: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let statistics = json["statistics"] as? [String: Double]
        else { return nil }
        return statistics[name]
    }

    /// Writes lines to a temporary name and renames them into the watched folder (as contributors should).
    static func drop(_ lines: ArraySlice<String>, as name: String, into folder: String) throws {
        let temporary = folder + "/." + name + ".tmp"
        try (lines.joined(separator: "\n") + "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, folder + "/" + name) == 0 else {
            throw ValidationError("rename failed: \(String(cString: strerror(errno)))")
        }
    }

    static func wait(for path: String, daemon: Process, log: String, timeout: Double = 1800) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return }
            guard daemon.isRunning else {
                throw ValidationError(
                    "transtokd exited:\n\((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(2000) ?? "")")
            }
            usleep(5_000) // the measurement's resolution
        }
        throw ValidationError("no \(path) within \(Int(timeout)) s")
    }

    /// Resident set size in KiB from /proc.
    static func rss(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
