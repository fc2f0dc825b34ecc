import ArgumentParser
import ControlAPI
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's status: workspaces, corpus counts, jobs.",
        discussion: "Exit status 3 means the daemon is not running (or its socket cannot be reached).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Redraw every second with live progress bars (Ctrl-C to stop).")
    var watch = false

    func run() async throws {
        if watch {
            try await watchLoop()
            return
        }
        let status = try await global.call { client throws(ControlClientError) in try client.status() }
        try global.output(status) { StatusFormatter.render(status) }
    }
}

extension StatusCommand {
    /// Redraws the status (jobs with progress bars, sync progress) until interrupted.
    func watchLoop() async throws {
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            let status = try await global.call { client throws(ControlClientError) in try client.status() }
            let sync = try? await global.call { client throws(ControlClientError) in try client.syncStatus() }
            var screen = StatusFormatter.render(status)
            if let sync, let line = StatusFormatter.syncLine(sync) { screen += "\n" + line }
            print((terminal ? "\u{1B}[H\u{1B}[2J" : "") + screen + (terminal ? "" : "\n---"))
            fflush(nil) // all streams: stdout may be a pipe (block-buffered)
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
            if let dtype = workspace.dtype { lines.append("  dtype:     \(dtype)") }
            if let line = tuningLine(workspace) { lines.append(line) }
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
                    "  #\(job.id) \(job.kind.rawValue) [\(job.workspace ?? "-")] \(job.state) \(bar(job.progress))"
                        + (job.message.map { " — \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `  tuning:    60 CPU-s per cycle; 412 steps, 210944 tokens in all; held-out 2.8410 bits/byte (3.0120 at
    /// checkpoint 7)` — nil when tuning is off and never ran.
    static func tuningLine(_ workspace: WorkspaceStatus) -> String? {
        let budget = workspace.tuneSecondsPerCycle ?? 0
        guard budget > 0 || workspace.tuning != nil else { return nil }
        var line = "  tuning:    " + (budget > 0 ? String(format: "%g CPU-s per cycle", budget) : "off")
        if let t = workspace.tuning {
            line += "; \(t.totalSteps) steps, \(t.totalTokens) tokens in all"
            if let now = t.heldOutBitsPerByte {
                line += String(format: "; held-out %.4f bits/byte", now)
                if let start = t.heldOutAtCheckpoint, start != now {
                    line += String(format: " (%.4f at checkpoint %d)", start, t.checkpoint)
                }
            }
            if !t.finished { line += String(format: "; run %.0f/%.0f CPU-s", t.spentSeconds, t.budgetSeconds) }
        }
        return line
    }

    /// `[########------------]  40%`
    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let clamped = min(1, max(0, fraction))
        let filled = Int((clamped * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(format: "%3d%%", Int((clamped * 100).rounded()))
    }

    /// One line per workspace with a remote: upload progress, rate and ETA (from `GET /v1/sync`).
    static func syncLine(_ sync: SyncStatusResponse) -> String? {
        guard !sync.workspaces.isEmpty else { return nil }
        var lines = ["sync:"]
        for (name, status) in sync.workspaces.sorted(by: { $0.key < $1.key }) {
            if let flight = status.inFlight {
                let p = flight.progress
                let eta = p.etaSeconds.map { String(format: " ETA %.0fs", $0) } ?? ""
                lines.append(
                    "  \(name) \(flight.checkpoint) \(bar(p.fraction))"
                        + String(format: " %.1f MiB/s", p.bytesPerSecond / 1_048_576) + eta)
            } else {
                lines.append("  \(name) idle; last published: \(status.lastPublished ?? "nothing yet")")
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
