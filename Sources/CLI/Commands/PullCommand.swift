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

    func run() async throws {
        let client = try remote.client()
        var options = SyncOptions()
        options.concurrency = max(1, concurrency)
        let sync = CheckpointSync(client: client, journal: nil, options: options)
        let start = Date()
        let report = try await sync.pull(name: checkpoint, into: directory)
        let seconds = Date().timeIntervalSince(start)
        print(
            "pulled \(report.checkpoint): \(report.files) files, \(formatBytes(report.totalBytes)) verified "
                + "(\(formatBytes(report.bytesDownloaded)) downloaded, \(formatBytes(report.bytesReused)) reused) "
                + String(format: "in %.1f s", seconds))
    }
}
