import ArgumentParser
import ControlAPI
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's status: workspaces, corpus counts, jobs.",
        discussion: "Exit status 3 means the daemon is not running (or its socket cannot be reached).")

    @OptionGroup var connection: DaemonConnectionOptions

    @Flag(help: "Print the raw JSON status (stable, for scripts).")
    var json = false

    func run() async throws {
        let client = connection.client()
        let (status, reply) = try await callDaemon { () throws(ControlClientError) in
            try client.call("GET", "/v1/status", as: StatusResponse.self)
        }
        if let warning = reply.versionWarning { printError(warning) }
        if json {
            try printJSON(status)
        } else {
            print(StatusFormatter.render(status))
        }
    }
}

/// Human-readable status.
enum StatusFormatter {
    static func render(_ status: StatusResponse) -> String {
        var lines: [String] = []
        lines.append("transtokd \(status.version) (pid \(status.pid)), up \(duration(status.uptimeSeconds))")
        lines.append("  state:  \(status.stateDirectory)")
        lines.append("  socket: \(status.socket)")
        let c = status.counts
        lines.append(
            "  corpus: \(c.pairs) pairs; files \(c.filesIngested) ingested, \(c.filesPending) pending, "
                + "\(c.filesRejected) rejected; \(c.checkpoints) checkpoints")
        if status.workspaces.isEmpty {
            lines.append("  no workspaces (create one with `transtok workspace create` or in the config file)")
        }
        for workspace in status.workspaces {
            let w = workspace.counts
            lines.append("workspace \(workspace.name) (\(workspace.sourceLanguage) → \(workspace.targetLanguage))")
            lines.append("  model:     \(workspace.sourceModel)")
            lines.append("  tokenizer: \(workspace.targetTokenizer ?? "not yet trained")")
            for dir in workspace.watchedDirectories { lines.append("  watching:  \(dir)") }
            lines.append(
                "  pairs \(w.pairs) · files \(w.filesIngested) ingested, \(w.filesPending) pending, "
                    + "\(w.filesRejected) rejected · checkpoints \(w.checkpoints)")
            if let remote = workspace.remote { lines.append("  remote:    \(remote)") }
        }
        if status.jobs.isEmpty {
            lines.append("jobs: idle")
        } else {
            lines.append("jobs:")
            for job in status.jobs {
                let percent = Int((job.progress * 100).rounded())
                lines.append(
                    "  #\(job.id) \(job.kind) [\(job.workspace ?? "-")] \(job.state) \(percent)%"
                        + (job.message.map { " — \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\((s % 3600) / 60)m"
    }
}
