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

    @Flag(help: "Redraw every second with live progress bars (Ctrl-C to stop).")
    var watch = false

    func run() async throws {
        if watch { try await watchLoop(); return }
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

extension StatusCommand {
    /// Redraws the status (jobs with progress bars, sync progress) until interrupted.
    func watchLoop() async throws {
        let client = connection.client()
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            let (status, _) = try await callDaemon { () throws(ControlClientError) in
                try client.call("GET", "/v1/status", as: StatusResponse.self)
            }
            let sync = try? await callDaemon { () throws(ControlClientError) in
                try client.send(method: "GET", path: "/v1/sync")
            }
            var screen = StatusFormatter.render(status)
            if let sync, sync.status == 200, let line = StatusFormatter.syncLine(sync.body) { screen += "\n" + line }
            print((terminal ? "\u{1B}[H\u{1B}[2J" : "") + screen + (terminal ? "" : "\n---"))
            try await Task.sleep(for: .seconds(1))
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
                lines.append(
                    "  #\(job.id) \(job.kind) [\(job.workspace ?? "-")] \(job.state) \(bar(job.progress))"
                        + (job.message.map { " — \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `[########------------]  40%`
    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let clamped = min(1, max(0, fraction))
        let filled = Int((clamped * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(format: "%3d%%", Int((clamped * 100).rounded()))
    }

    /// One line per workspace with a remote: upload progress, rate and ETA (from `GET /v1/sync`).
    static func syncLine(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let workspaces = object["workspaces"] as? [String: Any], !workspaces.isEmpty
        else { return nil }
        var lines = ["sync:"]
        for (name, value) in workspaces.sorted(by: { $0.key < $1.key }) {
            let status = value as? [String: Any] ?? [:]
            if let flight = status["inFlight"] as? [String: Any], let p = flight["progress"] as? [String: Any] {
                let total = max(1, p["totalBytes"] as? Double ?? 1)
                let done = (p["uploadedBytes"] as? Double ?? 0) + (p["skippedBytes"] as? Double ?? 0)
                let rate = (p["bytesPerSecond"] as? Double ?? 0) / 1_048_576
                let eta = (p["etaSeconds"] as? Double).map { String(format: " ETA %.0fs", $0) } ?? ""
                lines.append("  \(name) \(flight["checkpoint"] as? String ?? "?") \(bar(done / total))"
                    + String(format: " %.1f MiB/s", rate) + eta)
            } else {
                let last = status["lastPublished"] as? String ?? "nothing yet"
                lines.append("  \(name) idle; last published: \(last)")
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
