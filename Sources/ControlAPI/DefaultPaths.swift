import Foundation

/// Built-in locations, in one place (containerd's `defaults_unix.go` pattern).
/// - Under systemd, `RuntimeDirectory=`/`StateDirectory=` export `RUNTIME_DIRECTORY`/`STATE_DIRECTORY`.
/// - root without systemd: `/run/transtok/transtokd.sock` and `/var/lib/transtok`.
/// - other users: `$XDG_RUNTIME_DIR/transtok.sock` and `$XDG_STATE_HOME/transtok` (`~/.local/state/transtok`).
public enum DefaultPaths {
    /// The system daemon's socket (the systemd unit's `RuntimeDirectory=transtok`).
    public static let systemSocket = "/run/transtok/transtokd.sock"

    /// Where the daemon listens by default.
    public static func socket(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let env = environment["TRANSTOK_SOCKET"], !env.isEmpty { return env }
        if let runtime = environment["RUNTIME_DIRECTORY"], !runtime.isEmpty {
            return firstPath(runtime) + "/transtokd.sock"
        }
        if getuid() == 0 { return systemSocket }
        return userSocket(environment: environment)
    }

    /// A non-root user's own daemon socket.
    public static func userSocket(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_RUNTIME_DIR"], !xdg.isEmpty { return xdg + "/transtok.sock" }
        return "/tmp/transtok-\(getuid())/transtok.sock"
    }

    /// Where the CLI connects by default: `$TRANSTOK_SOCKET`; else the user's own daemon when its socket exists;
    /// else the system daemon's when that exists (a user reaches it through the socket group); else the user's
    /// path, so the "not running" error names it.
    public static func clientSocket(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        exists: (String) -> Bool = { access($0, F_OK) == 0 }
    ) -> String {
        let own = socket(environment: environment)
        if environment["TRANSTOK_SOCKET"].map({ !$0.isEmpty }) == true || exists(own) { return own }
        return exists(systemSocket) ? systemSocket : own
    }

    public static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["STATE_DIRECTORY"], !state.isEmpty { return firstPath(state) }
        if getuid() == 0 { return "/var/lib/transtok" }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/transtok" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/transtok"
    }

    public static let configFile = "/etc/transtok/transtokd.json"

    /// systemd passes several directories separated by ':' when a unit lists more than one.
    private static func firstPath(_ list: String) -> String {
        String(list.split(separator: ":").first ?? Substring(list))
    }
}
