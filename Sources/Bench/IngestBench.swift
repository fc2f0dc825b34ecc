import ArgumentParser
import Engine
import Foundation

/// `transtok-bench ingest`: peak resident memory of a real `transtokd` while it ingests one large `.tsv.gz` (issue #14
/// item 7: at most 300 MiB above idle for 2 GiB of decompressed text), with the ingestion rate. The file is generated
/// (distinct synthetic pairs, gzip -1). The peer is the bound itself: reading the file whole (as transtok did before
/// streaming) needs at least the decompressed size, far beyond it, and is not re-run.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Daemon peak RSS above idle while ingesting a large .tsv.gz.")

    @Option(help: "Decompressed size of the generated .tsv.gz, GiB (fractions allowed).") var decompressedGib = 2.0
    @Option(help: "The bound checked, MiB above idle (exit status 1 when exceeded).") var boundMib = 300
    @Option(help: "Source model of the workspace (only named: no refresh runs).")
    var model = ".assets/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Working directory (generated file and daemon state; removed afterwards).")
    var workDir = NSTemporaryDirectory()

    func run() async throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .path
        let root = (workDir as NSString).appendingPathComponent("transtok-bench-ingest-\(getpid())")
        let incoming = root + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bytes = Int(decompressedGib * Double(1 << 30))

        print("transtok-bench ingest: \(bytes) bytes (\(String(format: "%.2f", decompressedGib)) GiB) of TSV, gzip -1")
        var start = Date()
        let staging = root + "/big.tsv.gz"
        let pairs = try Self.writeGzipTSV(to: staging, decompressedBytes: bytes)
        let compressed = (try? FileManager.default.attributesOfItem(atPath: staging)[.size] as? Int) ?? 0
        print(
            String(
                format: "  generated %d pairs, %.1f MiB compressed, in %.0f s", pairs, Double(compressed) / 1048576,
                Date().timeIntervalSince(start)))

        let socket = root + "/d.sock"
        try """
        {"socket": "\(socket)", "state_dir": "\(root)/state", "debounce_seconds": 0.2, "min_new_pairs": 1000000000,
         "max_refresh_interval_seconds": 1000000,
         "workspaces": [{"name": "bench", "source_language": "en", "target_language": "es",
           "source_model": "\(URL(fileURLWithPath: model).standardizedFileURL.path)", "parallel_dirs": ["\(incoming)"]}]}
        """.write(toFile: root + "/config.json", atomically: true, encoding: .utf8)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: bin + "/transtokd")
        daemon.arguments = ["--config", root + "/config.json"]
        let log = root + "/daemon.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        daemon.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        daemon.standardError = FileHandle(forWritingAtPath: log)
        try daemon.run()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        let pid = daemon.processIdentifier
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: socket), Date() < deadline { usleep(50_000) }
        sleep(2)
        let idle = Self.kib("VmRSS", pid)
        // The kernel's high-water mark, reset to the idle size: the peak is then exact, not sampled.
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        start = Date()
        try FileManager.default.moveItem(atPath: staging, toPath: incoming + "/big.tsv.gz")
        var state = ""
        while daemon.isRunning {
            let files = try DaemonBench.shell("'\(bin)/transtok' files --socket '\(socket)' 2>&1")
            if let line = files.split(separator: "\n").first(where: { $0.contains("big.tsv.gz") }),
                line.contains("ingested") || line.contains("rejected")
            {
                state = String(line)
                break
            }
            sleep(1)
        }
        let seconds = Date().timeIntervalSince(start)
        let peak = Self.kib("VmHWM", pid)
        guard state.contains("ingested") else {
            throw ValidationError(
                "not ingested: \(state)\n\((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(2000) ?? "")")
        }
        let above = (peak - idle) / 1024
        print(
            String(
                format: "  ingested in %.0f s (%.0f pairs/s, %.1f MiB/s of text)", seconds, Double(pairs) / seconds,
                Double(bytes) / 1048576 / seconds))
        print(
            "  daemon RSS idle \(idle / 1024) MiB, peak while ingesting \(peak / 1024) MiB: \(above) MiB above idle (bound \(boundMib) MiB)"
        )
        print(
            "  reading the file whole (the pre-streaming approach) would need ≥ \(bytes >> 20) MiB for the text alone")
        if above > boundMib { throw ExitCode(1) }
    }

    static func kib(_ field: String, _ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// `Engine.SyntheticCorpus`'s pairs as a gzip -1 TSV file at `path`; returns the number of pairs.
    static func writeGzipTSV(to path: String, decompressedBytes: Int) throws -> Int {
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "exec gzip -1 > '\(path)'"]
        let pipe = Pipe()
        gzip.standardInput = pipe
        try gzip.run()
        let pairs = try SyntheticCorpus.tsv(decompressedBytes: decompressedBytes) {
            try pipe.fileHandleForWriting.write(contentsOf: $0)
        }
        try pipe.fileHandleForWriting.close()
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else { throw ValidationError("gzip failed") }
        return pairs
    }
}
