import ControlAPI
import Entities
import Foundation

/// One source of settings; nil means "not set here". Layers are applied in increasing precedence.
struct ConfigLayer: Sendable, Equatable {
    var socket: String?
    var socketGroup: String?
    var stateDir: String?
    var logLevel: String?
    var logFormat: String?
    var blasThreads: Int?
    var requestTimeoutSeconds: Int?
    var maxRequestBytes: Int?
    var debounceSeconds: Double?
    var rescanIntervalSeconds: Int?
    var refreshDebounceSeconds: Double?
    var minNewPairs: Int?
    var maxRefreshIntervalSeconds: Int?
    var keepCheckpoints: Int?
    var workspaces: [WorkspaceSpec]?
    var remotes: [RemoteSpec]?
    var metricsAddress: String?

    func apply(to config: inout DaemonConfig) {
        if let socket { config.socket = socket }
        if let socketGroup { config.socketGroup = socketGroup.isEmpty ? nil : socketGroup }
        if let stateDir { config.stateDir = stateDir }
        if let logLevel { config.logLevel = logLevel }
        if let logFormat { config.logFormat = logFormat }
        if let blasThreads { config.blasThreads = blasThreads }
        if let requestTimeoutSeconds { config.requestTimeoutSeconds = requestTimeoutSeconds }
        if let maxRequestBytes { config.maxRequestBytes = maxRequestBytes }
        if let debounceSeconds { config.debounceSeconds = debounceSeconds }
        if let rescanIntervalSeconds { config.rescanIntervalSeconds = rescanIntervalSeconds }
        if let refreshDebounceSeconds { config.refreshDebounceSeconds = refreshDebounceSeconds }
        if let minNewPairs { config.minNewPairs = minNewPairs }
        if let maxRefreshIntervalSeconds { config.maxRefreshIntervalSeconds = maxRefreshIntervalSeconds }
        if let keepCheckpoints { config.keepCheckpoints = keepCheckpoints }
        if let workspaces { config.workspaces = workspaces }
        if let remotes { config.remotes = remotes }
        if let metricsAddress { config.metricsAddress = metricsAddress.isEmpty ? nil : metricsAddress }
    }
}

/// The config file is a layer too: every key optional, the same snake_case names as `DaemonConfig`.
extension ConfigLayer: Decodable {
    typealias CodingKeys = DaemonConfig.CodingKeys
}

/// Flags > environment (`TRANSTOK_*`) > config file > built-in defaults.
enum ConfigResolver {
    static func resolve(
        flags: ConfigLayer, environment: [String: String], configFile explicitPath: String?
    ) throws(ConfigError) -> (config: DaemonConfig, configFile: String?) {
        var config = DaemonConfig.defaults(environment: environment)
        let path = configPath(explicit: explicitPath, environment: environment)
        if let path {
            try fileLayer(path: path).apply(to: &config)
        }
        try environmentLayer(environment).apply(to: &config)
        flags.apply(to: &config)
        try config.validate()
        return (config, path)
    }

    /// `--config`, else `$TRANSTOK_CONFIG`, else the system file when it exists.
    static func configPath(explicit: String?, environment: [String: String]) -> String? {
        explicit ?? environment["TRANSTOK_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (FileManager.default.fileExists(atPath: DefaultPaths.configFile) ? DefaultPaths.configFile : nil)
    }

    static func environmentLayer(_ env: [String: String]) throws(ConfigError) -> ConfigLayer {
        func int(_ name: String) throws(ConfigError) -> Int? {
            guard let raw = env[name], !raw.isEmpty else { return nil }
            guard let value = Int(raw) else { throw .invalid(key: name, message: "must be an integer, got \(raw)") }
            return value
        }
        func double(_ name: String) throws(ConfigError) -> Double? {
            guard let raw = env[name], !raw.isEmpty else { return nil }
            guard let value = Double(raw) else { throw .invalid(key: name, message: "must be a number, got \(raw)") }
            return value
        }
        func string(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        return ConfigLayer(
            socket: string("TRANSTOK_SOCKET"),
            socketGroup: string("TRANSTOK_SOCKET_GROUP"),
            stateDir: string("TRANSTOK_STATE_DIR"),
            logLevel: string("TRANSTOK_LOG_LEVEL"),
            logFormat: string("TRANSTOK_LOG_FORMAT"),
            blasThreads: try int("TRANSTOK_BLAS_THREADS"),
            requestTimeoutSeconds: try int("TRANSTOK_REQUEST_TIMEOUT_SECONDS"),
            maxRequestBytes: try int("TRANSTOK_MAX_REQUEST_BYTES"),
            debounceSeconds: try double("TRANSTOK_DEBOUNCE_SECONDS"),
            rescanIntervalSeconds: try int("TRANSTOK_RESCAN_INTERVAL_SECONDS"),
            refreshDebounceSeconds: try double("TRANSTOK_REFRESH_DEBOUNCE_SECONDS"),
            minNewPairs: try int("TRANSTOK_MIN_NEW_PAIRS"),
            maxRefreshIntervalSeconds: try int("TRANSTOK_MAX_REFRESH_INTERVAL_SECONDS"),
            keepCheckpoints: try int("TRANSTOK_KEEP_CHECKPOINTS"),
            metricsAddress: env["TRANSTOK_METRICS_ADDRESS"])
    }

    /// Reads a JSON config file. Every key is optional; unknown keys are errors (a typo must not be ignored).
    static func fileLayer(path: String) throws(ConfigError) -> ConfigLayer {
        let data = try ConfigFileReader.read(path: path)
        let object = try ConfigFileReader.parse(data, path: path)
        guard let top = object as? [String: Any] else {
            throw .malformed(path: path, reason: "the top level must be an object")
        }
        let unknown = unknownKeys(top)
        if !unknown.isEmpty { throw .unknownKeys(path: path, keys: unknown) }
        let layer: ConfigLayer
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = ConfigKeys.decoding
        do { layer = try decoder.decode(ConfigLayer.self, from: data) } catch let DecodingError.typeMismatch(
            _, context),
            let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context)
        {
            throw .malformed(
                path: path, reason: "\(ConfigKeys.describe(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .malformed(
                path: path, reason: "\(ConfigKeys.describe(context.codingPath + [key])): the key is required")
        } catch {
            throw .malformed(path: path, reason: ConfigFileReader.describe(error, in: data))
        }
        return layer
    }

    /// Every key of a config file's top-level object that the daemon does not know, as key paths
    /// (`workspaces[1].colour`), the top level's first (sorted), then each `remotes[i]` and `workspaces[i]` in order.
    static func unknownKeys(_ top: [String: Any]) -> [String] {
        let known = Set(DaemonConfig.CodingKeys.allCases.map(\.rawValue))
        var unknown = top.keys.sorted().filter { !known.contains($0) }
        for section in [DaemonConfig.CodingKeys.remotes, .workspaces] {
            guard let elements = top[section.rawValue] as? [Any], let entity = ConfigKeys.entity(section.rawValue)
            else { continue }
            let known = Set(entity.configKeys)
            for (index, element) in elements.enumerated() {
                guard let element = element as? [String: Any] else { continue }
                unknown += element.keys.sorted().filter { !known.contains($0) }.map {
                    "\(section.rawValue)[\(index)].\($0)"
                }
            }
        }
        return unknown
    }
}
