import ArgumentParser
import ControlAPI
import Foundation
import Systems

/// Options every command accepts before or after its verb (`transtok --socket S status` and
/// `transtok status --socket S`), like docker's `-H` and kubectl's `--context`.
///
/// The root command declares this group and so parses these options wherever they appear; a subcommand that
/// declares `@OptionGroup var global: GlobalOptions` receives the root's values (argument-parser hands a parent's
/// decoded group to a child's group of the same type). A subcommand must therefore not declare its own `--json`,
/// `--quiet`, `--verbose`, `--socket` or `--timeout`: the root would consume them.
struct GlobalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The daemon's control socket.",
            discussion:
                "Default: $TRANSTOK_SOCKET, else your own daemon's socket ($XDG_RUNTIME_DIR/transtok.sock) when it exists, else the system daemon's (\(DefaultPaths.systemSocket)).",
            valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Seconds to wait for the daemon's reply.", valueName: "seconds"))
    var timeout: Int = 30

    @Flag(help: "Machine-readable output: JSON on stdout; errors as JSON on stderr.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print more detail (timings, the socket used).")
    var verbose = false

    func validate() throws {
        guard timeout >= 0 else { throw ValidationError("--timeout must be 0 (no limit) or more seconds") }
        guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose exclude each other") }
    }

    var socketPath: String { socket ?? DefaultPaths.clientSocket() }

    func client(timeoutSeconds: Int? = nil) -> ControlClient {
        let quiet = quiet
        return ControlClient(socketPath: socketPath, timeoutSeconds: timeoutSeconds ?? timeout) { warning in
            if !quiet { printError(warning) }
        }
    }

    /// Runs blocking client calls off the cooperative pool; a failure is reported (`CLIError`) and becomes the exit
    /// status: 3 when the daemon cannot be reached, 1 otherwise.
    func call<T: Sendable>(
        timeoutSeconds: Int? = nil, _ body: @escaping @Sendable (ControlClient) throws(ControlClientError) -> T
    ) async throws -> T {
        let connection = self.client(timeoutSeconds: timeoutSeconds)
        if verbose { printError("transtok: using the socket \(connection.socketPath)") }
        do throws(ControlClientError) {
            return try await Blocking.run(name: "transtok.client") { () throws(ControlClientError) -> T in
                try body(connection)
            }
        } catch {
            throw report(CLIError(error, explicitSocket: socket != nil))
        }
    }

    /// Prints an error to stderr (JSON with `--json`) and returns the exit code to throw.
    func report(_ error: CLIError) -> ExitCode {
        if json {
            let body = CLIError.JSONBody(error: .init(code: error.code, message: error.message, hint: error.hint))
            let text = (try? JSONOutput.string(body, pretty: false)) ?? error.message
            printError(text)
        } else {
            printError(
                "transtok: " + error.message + (error.fromDaemon ? " (\(error.code.rawValue))" : "")
                    + (error.hint.map { "\nhint: " + $0 } ?? ""))
        }
        return ExitCode(error.exitCode)
    }

    /// Prints a command's result: JSON with `--json`, else the human text (nothing with `--quiet`).
    func output(_ value: some Encodable, human: () -> String) throws {
        if json {
            try printJSON(value)
        } else if !quiet {
            let text = human()
            if !text.isEmpty { print(text) }
        }
    }
}

/// The older name of `GlobalOptions` (the connection options were the first global ones).
typealias DaemonConnectionOptions = GlobalOptions

/// Exit codes shared by the daemon-facing commands.
enum CLIExit {
    /// transtokd is not running (or the socket is unreachable).
    static let daemonUnavailable = ExitCode(3)
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
