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
        @OptionGroup var list: ListOptions

        func run() async throws {
            let sync = try await global.call { client throws(ControlClientError) in try client.syncStatus() }
            try global.output(sync) {
                list.render(Self.table(sync), empty: "no workspace has a remote configured")
            }
        }

        /// One row per workspace with a remote: what its upload worker is doing, what waits, what last happened.
        static func table(_ sync: SyncStatusResponse) -> Table {
            let rows = sync.workspaces.sorted(by: { $0.key < $1.key }).map { name, status in
                var state = "idle"
                if let flight = status.inFlight {
                    let p = flight.progress
                    state = String(
                        format: "uploading %@ %.0f%% at %.1f MiB/s", flight.checkpoint, 100 * p.fraction,
                        p.bytesPerSecond / 1_048_576)
                    if let eta = p.etaSeconds { state += String(format: ", ETA %.0f s", eta) }
                }
                var errors = (status.retrying ?? []).map {
                    "retrying \($0.checkpoint) after \($0.failures) failed attempts"
                }
                if let error = status.lastError { errors.append(error.message) }
                return [
                    name, state, status.queued.isEmpty ? "-" : status.queued.joined(separator: ","),
                    status.lastPublished.map { name in
                        name + (status.lastPublishedAt.map { " (" + $0.formatted(.iso8601) + ")" } ?? "")
                    } ?? "-",
                    errors.isEmpty ? "-" : errors.joined(separator: "; "),
                ]
            }
            return Table(["WORKSPACE", "STATE", "QUEUED", "LAST PUBLISHED", "LAST ERROR"], rows: rows)
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
