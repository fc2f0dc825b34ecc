import Foundation

/// S3 credentials. `description` never shows the secret or the session token.
public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "Credentials(accessKeyID: \(accessKeyID), secret: <redacted>\(sessionToken == nil ? "" : ", session token: <redacted>"))"
    }
    public var debugDescription: String { description }
}

public enum CredentialsError: Error, CustomStringConvertible, Equatable {
    case notFound(looked: [String])
    case insecurePermissions(path: String, mode: UInt16)
    case unreadable(path: String, reason: String)
    case profileMissing(path: String, profile: String)
    case incompleteProfile(path: String, profile: String, missing: String)

    public var description: String {
        switch self {
        case .notFound(let looked):
            return "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or create a 0600 credentials file (looked in: \(looked.joined(separator: ", ")))"
        case .insecurePermissions(let path, let mode):
            return "refusing credentials file \(path): mode \(String(mode, radix: 8)) lets group or others read it; run chmod 600 \(path)"
        case .unreadable(let path, let reason):
            return "cannot read credentials file \(path): \(reason)"
        case .profileMissing(let path, let profile):
            return "credentials file \(path) has no [\(profile)] profile"
        case .incompleteProfile(let path, let profile, let missing):
            return "profile [\(profile)] in \(path) lacks \(missing)"
        }
    }
}

/// Where credentials come from: the environment first (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), then an AWS shared-credentials file that only its owner may read.
public enum CredentialsLoader {
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        file: String? = nil, profile: String? = nil
    ) throws(CredentialsError) -> Credentials {
        if file == nil, let ak = environment["AWS_ACCESS_KEY_ID"], !ak.isEmpty,
            let sk = environment["AWS_SECRET_ACCESS_KEY"], !sk.isEmpty
        {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return Credentials(accessKeyID: ak, secretAccessKey: sk, sessionToken: token)
        }
        let path =
            file ?? environment["AWS_SHARED_CREDENTIALS_FILE"]
            ?? (environment["HOME"].map { $0 + "/.aws/credentials" } ?? "")
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path) else {
            throw .notFound(looked: ["environment", path.isEmpty ? "~/.aws/credentials" : path])
        }
        return try fromFile(path: path, profile: profile ?? environment["AWS_PROFILE"] ?? "default")
    }

    /// Parses an INI-style shared-credentials file after checking that group and others have no access.
    public static func fromFile(path: String, profile: String) throws(CredentialsError) -> Credentials {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        let mode = UInt16(st.st_mode & 0o777)
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        let sections = parseINI(text)
        guard let values = sections[profile] else { throw .profileMissing(path: path, profile: profile) }
        guard let ak = values["aws_access_key_id"], !ak.isEmpty else {
            throw .incompleteProfile(path: path, profile: profile, missing: "aws_access_key_id")
        }
        guard let sk = values["aws_secret_access_key"], !sk.isEmpty else {
            throw .incompleteProfile(path: path, profile: profile, missing: "aws_secret_access_key")
        }
        return Credentials(accessKeyID: ak, secretAccessKey: sk, sessionToken: values["aws_session_token"])
    }

    static func parseINI(_ text: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw).trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)) }
                current = name
                out[name, default: [:]] = out[name] ?? [:]
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            out[section]?[key] = value
        }
        return out
    }
}
