import ArgumentParser
import ControlAPI
import Foundation
import Systems

/// `transtok version`: this client's version and commit, and the running daemon's (like `docker version`).
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Show the client's and the daemon's version and commit.",
        discussion: "Exit status 3 when the daemon cannot be reached (the client's version is printed anyway).")

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        struct Build: Encodable {
            var version: String
            var commit: String
        }
        var client: Build
        var daemon: Build?
        var socket: String
    }

    func run() async throws {
        var report = Report(
            client: .init(version: TranstokVersion.current, commit: TranstokVersion.commit), daemon: nil,
            socket: global.socketPath)
        let client = global.client()
        // The client's own version is printed even when the daemon cannot be reached; then the exit status says so.
        let health: Result<HealthResponse, ControlClientError>
        do throws(ControlClientError) {
            health = .success(
                try await Blocking.run(name: "transtok.client") { () throws(ControlClientError) in try client.health() }
            )
        } catch {
            health = .failure(error)
        }
        if case .success(let daemon) = health {
            report.daemon = .init(version: daemon.version, commit: daemon.commit ?? "unknown")
        }
        try global.output(report) {
            var lines = ["client: transtok \(report.client.version) (commit \(report.client.commit))"]
            if let daemon = report.daemon {
                lines.append("daemon: transtokd \(daemon.version) (commit \(daemon.commit)) on \(report.socket)")
            }
            return lines.joined(separator: "\n")
        }
        if case .failure(let error) = health {
            throw global.report(CLIError(error, explicitSocket: global.socket != nil))
        }
    }
}

/// `transtok completion bash|zsh|fish`: the shell completion script, generated from the command definitions.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script (bash, zsh or fish).",
        discussion: """
            bash:  transtok completion bash > /etc/bash_completion.d/transtok   (or source <(transtok completion bash))
            zsh:   transtok completion zsh > "${fpath[1]}/_transtok"
            fish:  transtok completion fish > ~/.config/fish/completions/transtok.fish
            """)

    enum Shell: String, CaseIterable, ExpressibleByArgument {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "The shell.") var shell: Shell

    func run() {
        print(Transtok.completionScript(for: shell.completionShell))
    }
}
