import ArgumentParser
import Foundation
import Sync

struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download and verify a published checkpoint (resumable; no daemon needed).",
        discussion: "Example: transtok pull s3://models/llama-nl 000042 ./ckpt --endpoint http://127.0.0.1:9000")

    @OptionGroup var remote: RemoteOptions

    @Argument(help: "Checkpoint name, as published.")
    var checkpoint: String

    @Argument(help: "Directory to write the checkpoint into (created if needed).")
    var directory: String

    @Option(help: "Blobs downloaded at the same time.")
    var concurrency = 4

    @OptionGroup var global: GlobalOptions

    /// `--json`: what was pulled.
    struct Summary: Encodable {
        var checkpoint: String
        var directory: String
        var files: Int
        var totalBytes: Int64
        var bytesDownloaded: Int64
        var bytesReused: Int64
        var seconds: Double
    }

    func run() async throws {
        let client = try remote.client()
        var options = SyncOptions()
        options.concurrency = max(1, concurrency)
        let sync = CheckpointSync(client: client, journal: nil, options: options)
        let start = Date()
        let counter = SyncProgress()
        let progress = ProgressDisplay(label: "pull \(checkpoint)", style: .detect(quiet: global.quiet || global.json))
        let watcher = Task {
            while !Task.isCancelled {
                let s = counter.snapshot()
                let done = Double(s.uploadedBytes + s.skippedBytes), total = Double(s.totalBytes)
                progress.set(
                    completed: done, total: total > 0 ? total : nil,
                    detail: "\(ProgressRenderer.bytes(done))/\(ProgressRenderer.bytes(total))"
                        + (s.bytesPerSecond > 0 ? " \(ProgressRenderer.bytes(s.bytesPerSecond))/s" : ""))
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let report: PullReport
        do {
            report = try await sync.pull(name: checkpoint, into: directory, progress: counter)
            watcher.cancel()
            progress.finish()
        } catch {
            watcher.cancel()
            progress.finish()
            throw error
        }
        let seconds = Date().timeIntervalSince(start)
        let summary = Summary(
            checkpoint: report.checkpoint, directory: absolutePath(directory), files: report.files,
            totalBytes: report.totalBytes, bytesDownloaded: report.bytesDownloaded, bytesReused: report.bytesReused,
            seconds: seconds)
        try global.output(summary) {
            "pulled \(report.checkpoint): \(report.files) files, \(formatBytes(report.totalBytes)) verified "
                + "(\(formatBytes(report.bytesDownloaded)) downloaded, \(formatBytes(report.bytesReused)) reused) "
                + String(format: "in %.1f s", seconds)
        }
    }
}
