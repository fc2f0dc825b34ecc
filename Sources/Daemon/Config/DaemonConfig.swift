import ControlAPI
import Engine
import Entities
import Foundation
import Logging
import Store
import Systems

/// The daemon's effective configuration. Built from, in increasing precedence: built-in defaults, the config
/// file, `TRANSTOK_*` environment variables, command-line flags (see `ConfigResolver`).
/// Secrets are never part of it: S3 credentials come only from the environment or a 0600 credentials file.
struct DaemonConfig: Codable, Sendable, Equatable {
    var socket: String
    /// When set, the socket is created 0660 with this group and members of the group may connect.
    var socketGroup: String?
    var stateDir: String
    var logLevel: String
    /// `text` or `json` lines on stderr (`LogFormat`); under systemd each line also carries its journald priority.
    var logFormat: String = LogFormat.text.rawValue
    var blasThreads: Int
    var requestTimeoutSeconds: Int
    var maxRequestBytes: Int
    /// Quiet time after the last file event before a batch is ingested.
    var debounceSeconds: Double
    /// Full rescan of every watched folder (events are hints, scans are the truth).
    var rescanIntervalSeconds: Int
    /// Refresh cycle policy (see `RefreshPolicy`) and checkpoint retention.
    var refreshDebounceSeconds: Double
    var minNewPairs: Int
    var maxRefreshIntervalSeconds: Int
    var keepCheckpoints: Int
    var workspaces: [WorkspaceSpec]
    /// Object stores that workspaces sync their checkpoints to (credentials are never here).
    var remotes: [RemoteSpec]
    /// Opt-in TCP listener serving only `GET /metrics` for Prometheus: `PORT` or `:PORT` (loopback), or
    /// `HOST:PORT` / `[IPv6]:PORT` to expose it further. Nil: metrics are on the control socket only.
    var metricsAddress: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case socket
        case socketGroup = "socket_group"
        case stateDir = "state_dir"
        case logLevel = "log_level"
        case logFormat = "log_format"
        case blasThreads = "blas_threads"
        case requestTimeoutSeconds = "request_timeout_seconds"
        case maxRequestBytes = "max_request_bytes"
        case debounceSeconds = "debounce_seconds"
        case rescanIntervalSeconds = "rescan_interval_seconds"
        case refreshDebounceSeconds = "refresh_debounce_seconds"
        case minNewPairs = "min_new_pairs"
        case maxRefreshIntervalSeconds = "max_refresh_interval_seconds"
        case keepCheckpoints = "keep_checkpoints"
        case workspaces
        case remotes
        case metricsAddress = "metrics_address"
    }

    static func defaults(environment: [String: String] = ProcessInfo.processInfo.environment) -> DaemonConfig {
        DaemonConfig(
            socket: DefaultPaths.socket(environment: environment.filter { $0.key != "TRANSTOK_SOCKET" }),
            socketGroup: nil,
            stateDir: DefaultPaths.stateDirectory(environment: environment),
            logLevel: "info",
            logFormat: LogFormat.text.rawValue,
            blasThreads: 1,
            requestTimeoutSeconds: 30,
            maxRequestBytes: 1 << 20,
            debounceSeconds: 2,
            rescanIntervalSeconds: 600,
            refreshDebounceSeconds: 10,
            minNewPairs: 100,
            maxRefreshIntervalSeconds: 3600,
            keepCheckpoints: 3,
            workspaces: [],
            remotes: [],
            metricsAddress: nil)
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Cross-field checks, with messages that name the offending key.
    func validate() throws(ConfigError) {
        guard socket.hasPrefix("/") else {
            throw .invalid(key: "socket", message: "must be an absolute path, got \(socket)")
        }
        guard socket.utf8.count < 108 else {
            throw .invalid(key: "socket", message: "is longer than a Unix socket path may be (107 bytes)")
        }
        guard stateDir.hasPrefix("/") else {
            throw .invalid(key: "state_dir", message: "must be an absolute path, got \(stateDir)")
        }
        guard Self.logLevels.contains(logLevel) else {
            throw .invalid(key: "log_level", message: "must be one of \(Self.logLevels.joined(separator: ", "))")
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw .invalid(
                key: "log_format",
                message:
                    "must be one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(logFormat)")
        }
        guard (1...256).contains(blasThreads) else { throw .invalid(key: "blas_threads", message: "must be 1…256") }
        guard (1...3600).contains(requestTimeoutSeconds) else {
            throw .invalid(key: "request_timeout_seconds", message: "must be 1…3600")
        }
        guard (1024...(1 << 30)).contains(maxRequestBytes) else {
            throw .invalid(key: "max_request_bytes", message: "must be 1 KiB…1 GiB")
        }
        guard (0...3600).contains(debounceSeconds) else {
            throw .invalid(key: "debounce_seconds", message: "must be 0…3600")
        }
        guard (1...86_400).contains(rescanIntervalSeconds) else {
            throw .invalid(key: "rescan_interval_seconds", message: "must be 1…86400")
        }
        guard (0...86_400).contains(refreshDebounceSeconds) else {
            throw .invalid(key: "refresh_debounce_seconds", message: "must be 0…86400")
        }
        guard minNewPairs >= 1 else { throw .invalid(key: "min_new_pairs", message: "must be at least 1") }
        guard maxRefreshIntervalSeconds >= 1 else {
            throw .invalid(key: "max_refresh_interval_seconds", message: "must be at least 1")
        }
        guard (1...1000).contains(keepCheckpoints) else {
            throw .invalid(key: "keep_checkpoints", message: "must be 1…1000")
        }
        if let metricsAddress { _ = try MetricsAddress(parsing: metricsAddress) }
        var remoteNames = Set<String>()
        for (index, remote) in remotes.enumerated() {
            try remote.validate(key: "remotes[\(index)]")
            guard remoteNames.insert(remote.name).inserted else {
                throw .invalid(key: "remotes[\(index)].name", message: "duplicate remote name \(remote.name)")
            }
        }
        for (index, workspace) in workspaces.enumerated() {
            if let remote = workspace.remote, !remoteNames.contains(remote) {
                throw .invalid(key: "workspaces[\(index)].remote", message: "names no configured remote (\(remote))")
            }
        }
        var names = Set<String>()
        for (index, workspace) in workspaces.enumerated() {
            try workspace.validate(key: "workspaces[\(index)]")
            guard names.insert(workspace.name).inserted else {
                throw .invalid(key: "workspaces[\(index)].name", message: "duplicate workspace name \(workspace.name)")
            }
        }
    }
}

/// A workspace declared in the config file: the one `WorkspaceSpec`, with its snake_case config keys
/// (`ConfigKeys` maps them); checks and folder creation here.
extension WorkspaceSpec {
    func validate(key: String) throws(ConfigError) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
            throw .invalid(key: "\(key).name", message: "must be non-empty letters, digits, '-', '_' or '.'")
        }
        if let budget = tuneSecondsPerCycle, !(budget >= 0 && budget.isFinite) {
            throw .invalid(
                key: "\(key).tune_seconds_per_cycle",
                message: "must be a number of CPU seconds ≥ 0 (0 = no tuning), got \(budget)")
        }
        for (field, dirs) in [
            (CodingKeys.parallelDirectories, parallelDirectories), (.monolingualDirectories, monolingualDirectories),
        ] {
            for dir in dirs where !dir.hasPrefix("/") {
                throw .invalid(
                    key: "\(key).\(Self.configKey(forWireKey: field.rawValue))",
                    message: "must be absolute paths, got \(dir)")
            }
        }
    }

    /// Creates missing watched folders. A failure is logged, not fatal: the folder may appear later (a mount), and
    /// the periodic rescan picks it up then.
    func createFolders(logger: Logger) {
        for directory in parallelDirectories + monolingualDirectories {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                logger.warning(
                    "cannot create a watched folder",
                    metadata: [
                        "workspace": "\(name)", "folder": "\(directory)",
                        "error": "\(FileErrorText.reason(error, path: directory))",
                    ])
            }
        }
    }
}

enum ConfigError: CategorizedError, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    /// Every unknown key of the file (key paths such as `workspaces[0].colour`), so that one edit fixes them all.
    case unknownKeys(path: String, keys: [String])
    case invalid(key: String, message: String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read config file \(path): \(reason)"
        case .malformed(let path, let reason): "config file \(path) is not valid: \(reason)"
        case .unknownKeys(let path, let keys):
            "config file \(path): unknown key\(keys.count == 1 ? "" : "s") "
                + keys.map { "\"\($0)\"" }.joined(separator: ", ") + " (see `transtokd config default`)"
        case .invalid(let key, let message): "config: \(key) \(message)"
        }
    }

    var category: ErrorCategory {
        switch self {
        case .unreadable: .notFound
        case .malformed, .unknownKeys, .invalid: .invalidArgument
        }
    }
}
