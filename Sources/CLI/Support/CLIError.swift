import ControlAPI
import Foundation

/// An error as the CLI reports it: one line of message, an optional hint (what to do next), a code from the
/// API's closed set, and the exit status. Raw Foundation or libcurl text never reaches the user unexplained.
struct CLIError: Error, Sendable {
    var code: APIErrorCode
    var message: String
    var hint: String?
    var exitCode: Int32 = 1
    /// The daemon's error (its code is shown, as in `… (not_found)`), not one found by the CLI itself.
    var fromDaemon = false

    struct JSONBody: Encodable {
        struct Detail: Encodable {
            var code: APIErrorCode
            var message: String
            var hint: String?
        }
        var error: Detail
    }

    init(code: APIErrorCode, message: String, hint: String? = nil, exitCode: Int32 = 1) {
        self.code = code
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    init(_ error: ControlClientError, explicitSocket: Bool) {
        switch error {
        case .daemonNotRunning(let socket, let reason):
            self.init(
                code: .unavailable, message: "cannot reach transtokd: \(reason)",
                hint: Self.startHint(socket: socket, explicitSocket: explicitSocket), exitCode: 3)
        case .timedOut(let socket, let seconds):
            self.init(
                code: .timeout, message: "no reply from transtokd on \(socket) within \(seconds) s",
                hint: "the daemon may be busy; raise --timeout, or look at `transtok status`")
        case .transport(let socket, let message):
            self.init(code: .unavailable, message: "cannot talk to transtokd on \(socket): \(message)", exitCode: 3)
        case .api(_, let code, let message):
            self.init(code: code, message: message, hint: Self.hint(for: code))
            fromDaemon = true
        case .protocolViolation(let message):
            self.init(
                code: .internal, message: message,
                hint: "the client and the daemon may be different versions (compare `transtok version`)")
        }
    }

    static func startHint(socket: String, explicitSocket: Bool) -> String {
        if explicitSocket || ProcessInfo.processInfo.environment["TRANSTOK_SOCKET"].map({ !$0.isEmpty }) == true {
            return "start transtokd with `--socket \(socket)`, or point --socket / TRANSTOK_SOCKET at a running one"
        }
        if socket == DefaultPaths.systemSocket {
            return
                "the system daemon is not running: `sudo systemctl start transtokd`; or run your own with `transtokd`"
        }
        return "looked for your daemon (\(socket)) and the system daemon (\(DefaultPaths.systemSocket)); "
            + "start one with `transtokd` (yours) or `sudo systemctl start transtokd` (the system's), "
            + "or pass --socket / set TRANSTOK_SOCKET"
    }

    static func hint(for code: APIErrorCode) -> String? {
        switch code {
        case .notFound: "list what exists with `transtok workspace list` or `transtok remote list`"
        case .permissionDenied: "run as the daemon's user, or join its socket group (socket_group in its config)"
        case .unavailable: "see `transtok status` for what the daemon is doing"
        case .timeout: "raise --timeout, or look at `transtok status`"
        case .internal: "the daemon's log has the details (journalctl -u transtokd, or its stderr)"
        case .invalidArgument, .conflict, .payloadTooLarge: ErrorPresentation.helpHint
        }
    }
}
