import ArgumentParser
import ControlAPI
import Foundation

/// Options for every command that talks to the daemon.
struct DaemonConnectionOptions: ParsableArguments {
    @Option(help: "The daemon's control socket. Default: $TRANSTOK_SOCKET, else the daemon's default for this user.")
    var socket: String?

    @Option(help: "Seconds to wait for a reply.")
    var timeout: Int = 30

    var socketPath: String { socket ?? DefaultPaths.socket() }

    func client() -> ControlClient { ControlClient(socketPath: socketPath, timeoutSeconds: timeout) }
}

/// Exit codes shared by the daemon-facing commands.
enum CLIExit {
    /// transtokd is not running (or the socket is unreachable).
    static let daemonUnavailable = ExitCode(3)
}

/// Runs a blocking client call off the cooperative pool and maps connection failures to exit code 3.
func callDaemon<T: Sendable>(_ body: @escaping @Sendable () throws(ControlClientError) -> T) async throws -> T {
    let result: Result<T, ControlClientError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            do throws(ControlClientError) { continuation.resume(returning: .success(try body())) } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    switch result {
    case .success(let value): return value
    case .failure(let error):
        printError("transtok: \(error)")
        if case .daemonNotRunning = error { throw CLIExit.daemonUnavailable }
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// JSON for `--json` output: stable keys, no escaped slashes.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
