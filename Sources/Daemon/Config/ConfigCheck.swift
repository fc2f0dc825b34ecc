import Foundation
import Logging

/// `transtokd config check`: everything the daemon would refuse, found without starting it — the file's JSON and
/// keys, every value (`DaemonConfig.validate`), each workspace's model, tokenizer and folders (`WorkspaceValidation`,
/// the checks `workspace create` runs), each remote's URL and credentials (`makeClient`, no network), and the state
/// and socket paths. Findings name the file, line and key.
enum ConfigCheck {
    struct Finding: Sendable, Equatable, CustomStringConvertible {
        enum Severity: String, Sendable { case error, warning }
        var severity: Severity
        var file: String?
        var line: Int?
        var key: String?
        var message: String

        var description: String {
            let place = [file, line.map(String.init)].compactMap { $0 }.joined(separator: ":")
            return (place.isEmpty ? "" : place + ": ") + "\(severity.rawValue): " + (key.map { $0 + ": " } ?? "")
                + message
        }
    }

    struct Result: Sendable {
        var configFile: String?
        var config: DaemonConfig?
        var findings: [Finding]
        var errors: [Finding] { findings.filter { $0.severity == .error } }
    }

    static func run(flags: ConfigLayer, environment: [String: String], configFile explicit: String?) -> Result {
        let path = ConfigResolver.configPath(explicit: explicit, environment: environment)
        let lines = path.flatMap { FileManager.default.contents(atPath: $0) }.map(ConfigKeyLines.init)
        /// A key set in the file is located there; one from the environment or a flag has no line.
        func finding(_ severity: Finding.Severity, key: String?, _ message: String) -> Finding {
            let line = key.flatMap { lines?.line(of: $0) }
            return Finding(severity: severity, file: line == nil ? nil : path, line: line, key: key, message: message)
        }

        let config: DaemonConfig
        do {
            config = try ConfigResolver.resolve(flags: flags, environment: environment, configFile: explicit).config
        } catch {
            let found: [Finding] =
                switch error {
                case .unreadable(let file, let reason):
                    [Finding(severity: .error, file: file, message: "cannot read: \(reason)")]
                case .malformed(let file, let reason):
                    [
                        Finding(
                            severity: .error, file: file, line: Self.leadingLine(reason),
                            message: "not valid: \(reason)")
                    ]
                case .unknownKeys(let file, let keys):
                    // (each in the file, with its line when the scanner found it)
                    keys.map {
                        Finding(
                            severity: .error, file: file, line: lines?.line(of: $0), key: $0,
                            message: "unknown key (see `transtokd config default` for the known ones)")
                    }
                case .invalid(let key, let message): [finding(.error, key: key, message)]
                }
            return Result(configFile: path, config: nil, findings: found)
        }

        var findings: [Finding] = []
        for (index, workspace) in config.workspaces.enumerated() {
            let key = "workspaces[\(index)]"
            do { try WorkspaceValidation.checkModel(workspace.sourceModel, key: key + ".source_model") } catch {
                findings.append(finding(.error, key: error.key, error.message))
            }
            if let tokenizer = workspace.targetTokenizer {
                do { try WorkspaceValidation.checkTokenizer(tokenizer, key: key + ".target_tokenizer") } catch {
                    findings.append(finding(.error, key: error.key, error.message))
                }
            }
            for (field, folders) in [
                ("parallel_dirs", workspace.parallelDirectories),
                ("monolingual_dirs", workspace.monolingualDirectories),
            ] {
                for folder in folders {
                    switch WorkspaceValidation.folderState(folder) {
                    case .directory: break
                    case .missing:
                        findings.append(
                            finding(
                                .warning, key: "\(key).\(field)",
                                "\(folder) does not exist; transtokd creates it at start"))
                    case .notDirectory:
                        findings.append(finding(.error, key: "\(key).\(field)", "\(folder) is not a directory"))
                    case .unusable(let reason):
                        findings.append(finding(.error, key: "\(key).\(field)", "\(folder): \(reason)"))
                    }
                }
            }
        }
        var quiet = Logger(label: "transtok.config-check")
        quiet.logLevel = .critical
        for (index, remote) in config.remotes.enumerated() {
            do { _ = try remote.makeClient(logger: quiet) } catch {
                findings.append(finding(.error, key: "remotes[\(index)]", error.cause))
            }
        }
        for (key, directory) in [
            ("state_dir", config.stateDir), ("socket", (config.socket as NSString).deletingLastPathComponent),
        ] {
            if let (severity, problem) = directoryProblem(directory) {
                findings.append(finding(severity, key: key, problem))
            }
        }
        return Result(configFile: path, config: config, findings: findings)
    }

    /// A directory the daemon must create files in: an existing directory, or a missing one under a directory it can
    /// create it in. Writability is checked for the user running the check, who may not be the daemon's user (a
    /// warning); a file where a directory must be is an error.
    static func directoryProblem(_ directory: String) -> (Finding.Severity, String)? {
        var path = directory
        while true {
            switch WorkspaceValidation.folderState(path) {
            case .directory:
                return access(path, W_OK | X_OK) == 0
                    ? nil : (.warning, "\(path) is not writable by this user (\(String(cString: strerror(errno))))")
            case .notDirectory: return (.error, "\(path) is not a directory")
            case .unusable(let reason): return (.error, "\(path): \(reason)")
            case .missing:
                let parent = (path as NSString).deletingLastPathComponent
                guard parent != path, !parent.isEmpty else {
                    return (.error, "\(directory): no existing parent directory")
                }
                path = parent
            }
        }
    }

    /// The `line L` that `ConfigFileReader.describe` puts at the start of a JSON syntax error.
    static func leadingLine(_ reason: String) -> Int? {
        guard let range = reason.range(of: #"line \d+"#, options: .regularExpression) else { return nil }
        return Int(reason[range].dropFirst("line ".count))
    }
}
