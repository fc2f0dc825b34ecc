import ControlAPI
import Entities
import Foundation
import Store
import Testing

/// #14.5 with a real transtokd: SIGTERM in the middle of a checkpoint upload (slowed by the S3 fault proxy,
/// `transtok-bench s3-fault-proxy`) ends the daemon within 5 s, and the next start publishes the checkpoint without
/// sending again the blobs that were already up.
@Suite(.serialized, .enabled(if: S3Server.available, Comment(rawValue: S3Server.skipMessage)))
struct SyncShutdownTests {
    let s3: S3Server
    init() throws { s3 = try S3Server.required() }

    struct Progress: Decodable {
        var uploadedBytes: Int64
        var totalBytes: Int64
    }
    struct Worker: Decodable {
        struct InFlight: Decodable { var progress: Progress }
        var inFlight: InFlight?
        var lastPublished: String?
        var lastBytesUploaded: Int64?
        var lastTotalBytes: Int64?
    }
    struct Reply: Decodable { var workspaces: [String: Worker] }

    /// The proxy process, driven over its stdin.
    final class Proxy {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        var pending = Data()
        var endpoint = ""

        init(upstreamPort: String) throws {
            process.executableURL = Binaries.directory.appendingPathComponent("transtok-bench")
            process.arguments = ["s3-fault-proxy", "--upstream-port", upstreamPort]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            let first = line()
            guard first.hasPrefix("listening ") else { throw DaemonTestError("fault proxy: \(first)") }
            endpoint = String(first.dropFirst(10))
        }

        func line() -> String {
            while true {
                if let nl = pending.firstIndex(of: 10) {
                    defer { pending = Data(pending[(nl + 1)...]) }
                    return String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return "" }
                pending.append(chunk)
            }
        }

        @discardableResult
        func send(_ command: String) -> String {
            input.fileHandleForWriting.write(Data((command + "\n").utf8))
            return line()
        }

        func bytesUp() throws -> Int64 {
            let reply = send("stats")
            struct Stats: Decodable { var bytesUp: Int64 }
            return try JSONDecoder().decode(Stats.self, from: Data(reply.dropFirst(3).utf8)).bytesUp
        }

        deinit {
            if process.isRunning {
                send("quit")
                process.waitUntilExit()
            }
        }
    }

    func sync(_ daemon: DaemonProcess) throws -> Worker? {
        try daemon.client.call("GET", "/v1/sync", as: Reply.self).0.workspaces["ws1"]
    }

    @Test func sigtermDuringAnUploadExitsWithinFiveSecondsAndTheRestartResumes() throws {
        let root = try makeTemporaryDirectory("sync-term")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stateDir = root + "/state"
        // A checkpoint of twelve files of just under 4 MiB of incompressible bytes: one blob each (files up to the
        // 4 MiB chunk target are not cut), so at most 4 blobs (the upload concurrency) can be partly sent.
        let checkpoint = root + "/checkpoints/000001"
        try FileManager.default.createDirectory(atPath: checkpoint, withIntermediateDirectories: true)
        try #"{"model_type": "llama", "vocab_size": 32}"#.write(
            toFile: checkpoint + "/config.json", atomically: true, encoding: .utf8)
        let blob = (4 << 20) - 1024
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for file in 0..<12 {
            var bytes = [UInt8](repeating: 0, count: blob)
            for i in bytes.indices {
                x ^= x << 13
                x ^= x >> 7
                x ^= x << 17
                bytes[i] = UInt8(truncatingIfNeeded: x)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: checkpoint + "/shard-\(file).bin"))
        }
        let size = Int64(12 * blob)
        try FileManager.default.createDirectory(
            atPath: stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let store = try Store(directory: stateDir)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "ws1", sourceLanguage: "en", targetLanguage: "es", sourceModel: root + "/no-model.gguf")
        )
        try store.recordCheckpoint(
            CheckpointRecord(
                workspaceID: id, number: 1, path: checkpoint, manifestSHA256: String(repeating: "0", count: 64),
                parentNumber: nil, pairCount: 0, sizeBytes: size + 40, createdAt: Date().timeIntervalSince1970))

        let port = String(s3.endpoint.split(separator: ":").last ?? "")
        let proxy = try Proxy(upstreamPort: port)
        // 512 KiB/s per connection, 2 MiB/s for the daemon's 4 transfers: the whole upload would take 25 s, so on SIGTERM
        // the rest (about 13 s) cannot be sent within the 5 s allowed.
        #expect(proxy.send("throttle 524288") == "ok throttle 524288")
        let url = "s3://\(s3.bucket)/t/sync-term-\(UUID().uuidString.prefix(8).lowercased())"
        let daemon = try DaemonProcess(
            label: "sync-term", extraArguments: ["--state-dir", stateDir], environment: s3.environment())
        try daemon.waitUntilReady()
        let added = try runCommand(
            Binaries.cli,
            [
                "remote", "add", "s3test", url, "--endpoint-url", proxy.endpoint, "--no-check", "--socket",
                daemon.socket,
            ],
            timeout: 60)
        #expect(added.status == 0, "\(added.stderr)")
        let attached = try runCommand(
            Binaries.cli, ["workspace", "set-remote", "ws1", "s3test", "--socket", daemon.socket], timeout: 60)
        #expect(attached.status == 0, "\(attached.stderr)")

        // Stop once 24 MiB are on the wire or up (at most 4 blobs partly sent, so at least 8 MiB of whole blobs).
        let deadline = Date().addingTimeInterval(120)
        var uploaded: Int64 = 0
        while Date() < deadline {
            uploaded = try sync(daemon)?.inFlight?.progress.uploadedBytes ?? 0
            if uploaded >= 24 << 20 { break }
            usleep(100_000)
        }
        try #require(uploaded >= 24 << 20, "the upload never got going:\n\(daemon.log.suffix(3000))")
        let stopAsked = Date()
        let status = try daemon.terminate(timeout: 30)
        let stopTook = Date().timeIntervalSince(stopAsked)
        #expect(status == 0)
        #expect(stopTook < 5, "transtokd took \(stopTook) s to stop")
        print(
            "sync-term: transtokd stopped \(String(format: "%.2f", stopTook)) s after SIGTERM with \(uploaded) bytes up"
        )
        #expect(daemon.log.contains("sync interrupted"), "\(daemon.log.suffix(2000))")

        // Restart at full speed: the checkpoint is published, and the blobs already up are not sent again.
        proxy.send("throttle off")
        // Bytes the dead daemon left in socket buffers still drain through the proxy: wait until it is quiet.
        var before = try proxy.bytesUp()
        while true {
            usleep(500_000)
            let now = try proxy.bytesUp()
            if now == before { break }
            before = now
        }
        let restarted = try DaemonProcess(
            label: "sync-term2", extraArguments: ["--state-dir", stateDir], environment: s3.environment())
        try restarted.waitUntilReady()
        let until = Date().addingTimeInterval(90)
        var worker: Worker?
        while Date() < until {
            worker = try sync(restarted)
            if worker?.lastPublished == "000001" { break }
            usleep(200_000)
        }
        #expect(worker?.lastPublished == "000001", "\(restarted.log.suffix(3000))")
        let resent = try proxy.bytesUp() - before
        let total = try #require(worker?.lastTotalBytes)
        let sentByRestart = try #require(worker?.lastBytesUploaded)
        print("sync-term: the restart sent \(sentByRestart) blob bytes (\(resent) bytes through the proxy) of \(total)")
        // Blobs finished before the stop (at least 8 MiB of them) are skipped by the restart.
        #expect(sentByRestart <= total - (8 << 20), "re-sent \(sentByRestart) of \(total)")
        #expect(resent <= size - (8 << 20) + (1 << 20), "\(resent) bytes through the proxy")
        #expect(try restarted.terminate() == 0)
    }
}
