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
        static let configuration = CommandConfiguration(abstract: "Queued and in-flight uploads, the last publication and the last error.")
        @OptionGroup var connection: DaemonConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = connection.client()
            let reply = try await callDaemon { () throws(ControlClientError) in
                try client.send(method: "GET", path: "/v1/sync")
            }
            guard reply.status == 200 else { throw failure(reply) }
            let text = String(decoding: reply.body, as: UTF8.self)
            if json { print(text); return }
            guard let object = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
                let workspaces = object["workspaces"] as? [String: Any]
            else { print(text); return }
            if workspaces.isEmpty { print("no workspace has a remote configured"); return }
            for (name, value) in workspaces.sorted(by: { $0.key < $1.key }) {
                let status = value as? [String: Any] ?? [:]
                var line = "\(name): "
                if let flight = status["inFlight"] as? [String: Any], let progress = flight["progress"] as? [String: Any] {
                    let done = (progress["uploadedBytes"] as? Double ?? 0) + (progress["skippedBytes"] as? Double ?? 0)
                    let total = max(1, progress["totalBytes"] as? Double ?? 1)
                    let rate = (progress["bytesPerSecond"] as? Double ?? 0) / 1_048_576
                    line += String(format: "uploading %@ %.0f%% at %.1f MiB/s", flight["checkpoint"] as? String ?? "?", 100 * done / total, rate)
                    if let eta = progress["etaSeconds"] as? Double { line += String(format: ", ETA %.0f s", eta) }
                } else {
                    line += "idle"
                }
                let queued = status["queued"] as? [String] ?? []
                if !queued.isEmpty { line += "; queued: " + queued.joined(separator: ", ") }
                if let last = status["lastPublished"] as? String { line += "; last published: \(last)" }
                for retry in status["retrying"] as? [[String: Any]] ?? [] {
                    line += "; retrying \(retry["checkpoint"] as? String ?? "?") after \(retry["failures"] as? Int ?? 0) failed attempts"
                }
                if let error = status["lastError"] as? [String: Any] { line += "; last error: \(error["message"] as? String ?? "?")" }
                print(line)
            }
        }
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "now", abstract: "Queue the latest checkpoint for upload now.")
        @OptionGroup var connection: DaemonConnectionOptions
        @Option(help: "Workspace (default: the only one).") var workspace: String?

        func run() async throws {
            let client = connection.client()
            let body = Array(try JSONEncoder().encode(RefreshRequest(workspace: workspace)))
            let reply = try await callDaemon { () throws(ControlClientError) in
                try client.send(method: "POST", path: "/v1/sync", body: body)
            }
            guard reply.status == 200 else { throw failure(reply) }
            print("queued; follow it with `transtok sync status`")
        }
    }
}

/// Prints an API error reply and returns the exit code for it.
func failure(_ reply: ControlClient.Reply) -> ExitCode {
    if let body = try? JSONDecoder().decode(APIErrorBody.self, from: Data(reply.body)) {
        printError("transtok: \(body.error.message) (\(body.error.code.rawValue))")
    } else {
        printError("transtok: HTTP \(reply.status)")
    }
    return ExitCode.failure
}
