import Foundation

/// S3 credentials. `description` never shows the secret or the session token.
public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working (STS, instance metadata, `credential_process`); nil: never.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String {
        "Credentials(accessKeyID: \(accessKeyID), secret: <redacted>\(sessionToken == nil ? "" : ", session token: <redacted>"))"
    }
    public var debugDescription: String { description }
    /// `dump` and debuggers see the key id only.
    public var customMirror: Mirror { Mirror(self, children: ["accessKeyID": accessKeyID], displayStyle: .struct) }

    /// Whether these are expired, or expire within `margin` seconds.
    public func expires(within margin: TimeInterval, now: Date = Date()) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }
}

/// Why no credentials could be had. Messages name files, profiles, sources and endpoints, never a secret (nor a
/// `credential_process` command line or output, which may hold one).
public enum CredentialsError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(looked: [String])
    case insecurePermissions(path: String, mode: UInt16)
    case unreadable(path: String, reason: String)
    case profileMissing(path: String, profile: String)
    case incompleteProfile(path: String, profile: String, missing: String)
    /// A `credential_process` failed or printed something unusable.
    case process(profile: String, message: String)
    /// A credential service (STS, instance metadata) could not be reached or refused.
    case service(source: String, endpoint: String, message: String)
    /// A source returned credentials that are already expired.
    case expired(source: String)

    public var description: String {
        switch self {
        case .notFound(let looked):
            return
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or create a 0600 credentials file (looked in: \(looked.joined(separator: ", ")))"
        case .insecurePermissions(let path, let mode):
            return
                "refusing credentials file \(path): mode \(String(mode, radix: 8)) lets group or others read it; run chmod 600 \(path)"
        case .unreadable(let path, let reason):
            return "cannot read credentials file \(path): \(reason)"
        case .profileMissing(let path, let profile):
            return "no profile [\(profile)] in \(path)"
        case .incompleteProfile(let path, let profile, let missing):
            return "profile [\(profile)] in \(path) lacks \(missing)"
        case .process(let profile, let message):
            return "credential_process of profile [\(profile)]: \(message)"
        case .service(let source, let endpoint, let message):
            return "\(source) at \(endpoint): \(message)"
        case .expired(let source):
            return "\(source) returned expired credentials"
        }
    }

    /// A failure to reach a credential service (worth retrying later), as opposed to a configuration error.
    public var isTransient: Bool {
        if case .service = self { return true }
        return false
    }
}
