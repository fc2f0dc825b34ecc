import ArgumentParser
import ControlAPI
import Foundation

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Checkpoint uploads to the workspace's remote: status, or queue the latest checkpoint now.",
        subcommands: [Status.self, Now.self],
        defaultSubcommand: Status.self)

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queued and in-flight uploads, the last publication and the last error.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let sync = try await global.call { client throws(ControlClientError) in try client.syncStatus() }
            try global.output(sync) {
                if sync.workspaces.isEmpty { return "no workspace has a remote configured" }
                return sync.workspaces.sorted(by: { $0.key < $1.key }).map { name, status in
                    var line = "\(name): "
                    if let flight = status.inFlight {
                        let p = flight.progress
                        line += String(
                            format: "uploading %@ %.0f%% at %.1f MiB/s", flight.checkpoint, 100 * p.fraction,
                            p.bytesPerSecond / 1_048_576)
                        if let eta = p.etaSeconds { line += String(format: ", ETA %.0f s", eta) }
                    } else {
                        line += "idle"
                    }
                    if !status.queued.isEmpty { line += "; queued: " + status.queued.joined(separator: ", ") }
                    if let last = status.lastPublished { line += "; last published: \(last)" }
                    for retry in status.retrying ?? [] {
                        line += "; retrying \(retry.checkpoint) after \(retry.failures) failed attempts"
                    }
                    if let error = status.lastError { line += "; last error: \(error.message)" }
                    return line
                }.joined(separator: "\n")
            }
        }
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "now", abstract: "Queue the latest checkpoint for upload now.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Workspace (default: the only one).") var workspace: String?

        func run() async throws {
            let workspace = workspace
            let sync = try await global.call { client throws(ControlClientError) in
                try client.syncNow(workspace: workspace)
            }
            try global.output(sync) { "queued; follow it with `transtok sync status`" }
        }
    }
}
