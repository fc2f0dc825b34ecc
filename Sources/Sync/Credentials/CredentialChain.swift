import Foundation
import Systems

/// Where to look for credentials. `environment` may hold secrets (`AWS_SECRET_ACCESS_KEY`…), so the description and
/// the mirror (`dump`, string interpolation, debuggers) show only the file and profile names.
public struct CredentialSettings: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Keys given by the program itself (tools, tests): used as they are.
    public var explicit: Credentials?
    /// A shared-credentials file named explicitly (`--credentials-file`, a remote's `credentials_file`): it
    /// replaces `~/.aws/credentials`, and credentials must come from it.
    public var credentialsFile: String?
    /// A profile named explicitly (`--profile`, a remote's `profile`): as in awscli, it takes precedence over keys
    /// in the environment.
    public var profile: String?
    public var environment: [String: String]

    public init(
        explicit: Credentials? = nil, credentialsFile: String? = nil, profile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.explicit = explicit
        self.credentialsFile = credentialsFile
        self.profile = profile
        self.environment = environment
    }

    public var description: String {
        "CredentialSettings(credentialsFile: \(credentialsFile ?? "nil"), profile: \(profile ?? "nil")"
            + (explicit == nil ? "" : ", explicit: \(explicit!.description)")
            + ", environment: <\(environment.count) variables>)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self, children: ["credentialsFile": credentialsFile as Any, "profile": profile as Any],
            displayStyle: .struct)
    }
}

/// The credential chain in awscli's order:
/// 1. explicit keys;
/// 2. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` (skipped when a profile or a credentials
///    file is named explicitly);
/// 3. the profile (`--profile`, else `AWS_PROFILE`, else `default`) in the shared-credentials file, then in the
///    config file (`[profile x]`): static keys, then `credential_process`, then `role_arn` +
///    `web_identity_token_file`;
/// 4. web identity from `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (STS at `AWS_ENDPOINT_URL_STS`, else the
///    regional STS endpoint);
/// 5. EC2 instance metadata (IMDSv2 at `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else 169.254.169.254), unless
///    `AWS_EC2_METADATA_DISABLED=true`.
public enum CredentialChain {
    /// The credentials and a description of where they came from (no secret in it).
    public static func resolve(_ s: CredentialSettings) throws(CredentialsError) -> (
        credentials: Credentials, source: String
    ) {
        let env = s.environment.filter { !$0.value.isEmpty }
        if let explicit = s.explicit { return (explicit, "explicit credentials") }
        if s.profile == nil, s.credentialsFile == nil, let ak = env["AWS_ACCESS_KEY_ID"],
            let sk = env["AWS_SECRET_ACCESS_KEY"]
        {
            return (
                Credentials(accessKeyID: ak, secretAccessKey: sk, sessionToken: env["AWS_SESSION_TOKEN"]), "environment"
            )
        }
        let files = AWSConfigFiles(environment: env, explicitCredentialsFile: s.credentialsFile)
        let named = s.profile ?? env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"]
        let profileName = named ?? "default"

        if let explicitFile = s.credentialsFile, !FileManager.default.fileExists(atPath: explicitFile) {
            throw .unreadable(path: explicitFile, reason: "no such file")
        }
        let credentialsProfile = try files.credentialsProfile(profileName)
        // An explicit credentials file is the only place credentials may come from.
        let configProfile = s.credentialsFile == nil ? try files.configProfile(profileName) : nil
        for profile in [credentialsProfile, configProfile].compactMap({ $0 }) {
            if let found = try fromProfile(profile, env: env) { return found }
        }
        if let explicitFile = s.credentialsFile {
            guard credentialsProfile != nil else { throw .profileMissing(path: explicitFile, profile: profileName) }
            throw .incompleteProfile(path: explicitFile, profile: profileName, missing: "aws_access_key_id")
        }
        if named != nil, credentialsProfile == nil, configProfile == nil {
            let places = [files.credentialsPath, files.configPath].compactMap { $0 }.joined(separator: " or ")
            throw .profileMissing(path: places.isEmpty ? "~/.aws" : places, profile: profileName)
        }

        if let tokenFile = env["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = env["AWS_ROLE_ARN"] {
            let w = webIdentity(role: role, tokenFile: tokenFile, profile: configProfile, env: env)
            return (try CredentialServices.assumeRoleWithWebIdentity(w), "web identity (\(role))")
        }
        var looked = ["environment"] + [files.credentialsPath, files.configPath].compactMap { $0 }
        if env["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true" {
            let endpoint = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
            do {
                return (try CredentialServices.instanceMetadata(endpoint: endpoint), "EC2 instance metadata")
            } catch {
                // No metadata service (not on EC2): say what was tried; a service that answered wrongly is an error.
                if case .service(_, _, let message) = error, message.contains("curl error") {
                    looked.append("instance metadata at \(endpoint)")
                } else {
                    throw error
                }
            }
        }
        throw .notFound(looked: looked)
    }

    /// Static keys, then `credential_process`, then a web identity role, from one profile (nil: none of them).
    static func fromProfile(
        _ p: AWSConfigFiles.Profile, env: [String: String]
    ) throws(CredentialsError) -> (credentials: Credentials, source: String)? {
        if let ak = p.value("aws_access_key_id") {
            guard p.mode & 0o077 == 0 else { throw .insecurePermissions(path: p.path, mode: p.mode) }
            guard let sk = p.value("aws_secret_access_key") else {
                throw .incompleteProfile(path: p.path, profile: p.name, missing: "aws_secret_access_key")
            }
            return (
                Credentials(accessKeyID: ak, secretAccessKey: sk, sessionToken: p.value("aws_session_token")),
                "profile \(p.name) in \(p.path)"
            )
        }
        if let command = p.value("credential_process") {
            return (
                try CredentialProcess.run(command, profile: p.name, environment: env),
                "credential_process of profile \(p.name)"
            )
        }
        if let role = p.value("role_arn"), let tokenFile = p.value("web_identity_token_file") {
            let w = webIdentity(role: role, tokenFile: tokenFile, profile: p, env: env)
            return (try CredentialServices.assumeRoleWithWebIdentity(w), "web identity (\(role)) of profile \(p.name)")
        }
        return nil
    }

    static func webIdentity(
        role: String, tokenFile: String, profile: AWSConfigFiles.Profile?, env: [String: String]
    ) -> CredentialServices.WebIdentity {
        let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? profile?.value("region") ?? "us-east-1"
        let endpoint =
            env["AWS_ENDPOINT_URL_STS"] ?? profile?.value("endpoint_url") ?? "https://sts.\(region).amazonaws.com"
        let session =
            env["AWS_ROLE_SESSION_NAME"] ?? profile?.value("role_session_name")
            ?? "transtok-\(Int(Date().timeIntervalSince1970))"
        return .init(roleARN: role, tokenFile: tokenFile, sessionName: session, endpoint: endpoint)
    }
}

/// Credentials for one client, resolved through `CredentialChain` when first needed, again at the start of each
/// job (`refresh`), before temporary credentials expire, and after the server rejects them (`renew`). Files are
/// therefore re-read, so rotated keys are picked up without a restart.
public final class CredentialsProvider: Sendable, CustomStringConvertible, CustomReflectable {
    public let settings: CredentialSettings
    /// Refresh temporary credentials this long before they expire.
    public static let expiryMargin: TimeInterval = 300
    private let fixed: Bool
    private let cache = Locked<(credentials: Credentials, source: String)?>(nil)

    public init(_ settings: CredentialSettings) {
        self.settings = settings
        fixed = false
    }

    /// Always these credentials (tests, tools that were handed keys).
    public init(fixed credentials: Credentials) {
        settings = CredentialSettings(explicit: credentials, environment: [:])
        fixed = true
        cache.withLock { $0 = (credentials, "explicit credentials") }
    }

    public var description: String { "CredentialsProvider(\(settings))" }
    public var customMirror: Mirror { Mirror(self, children: ["settings": settings], displayStyle: .class) }

    /// The credentials to sign with now.
    public func current() throws(CredentialsError) -> Credentials {
        try currentWithSource().credentials
    }

    /// The credentials and where they came from (`source` holds no secret).
    public func currentWithSource() throws(CredentialsError) -> (credentials: Credentials, source: String) {
        let result: Result<(credentials: Credentials, source: String), CredentialsError> = cache.withLock { cached in
            if let c = cached, fixed || !c.credentials.expires(within: Self.expiryMargin) { return .success(c) }
            do throws(CredentialsError) {
                let resolved = try CredentialChain.resolve(settings)
                if resolved.credentials.expires(within: 0) { throw .expired(source: resolved.source) }
                cached = resolved
                return .success(resolved)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Forgets cached credentials so the next request reads them again (each job starts with this). Temporary
    /// credentials that stay valid for a while are kept unless `temporaryToo` (no STS round trip per job).
    public func refresh(temporaryToo: Bool = false) {
        guard !fixed else { return }
        cache.withLock { cached in
            if !temporaryToo, let c = cached?.credentials, c.expiration != nil, !c.expires(within: Self.expiryMargin) {
                return
            }
            cached = nil
        }
    }

    /// After the server rejected `used` (403, `SignatureDoesNotMatch`, `ExpiredToken`…): reads the chain again and
    /// says whether it now yields other credentials (worth one more attempt).
    public func renew(after used: Credentials) -> Bool {
        guard !fixed else { return false }
        refresh(temporaryToo: true)
        guard let fresh = try? current() else { return false }
        return fresh != used
    }
}
