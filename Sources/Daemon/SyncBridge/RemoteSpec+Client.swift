import Entities
import Foundation
import Logging
import Store
import Sync

/// Turns a remote (from the config file or the store) into an S3 client. Secrets are read by the client's
/// `CredentialsProvider` through the AWS credential chain (the remote's 0600 `credentials_file` or `profile`, else
/// the daemon's environment, shared files, `credential_process`, web identity, instance metadata), again for each
/// job and after an authentication failure, and never leave the client.
extension RemoteSpec {
    /// Syntax checks that need no network and no credentials; messages name the offending key.
    func validate(key: String) throws(ConfigError) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !name.isEmpty, name.count <= 100, name.unicodeScalars.allSatisfy(allowed.contains), !name.hasPrefix(".")
        else { throw .invalid(key: "\(key).name", message: "must be 1…100 letters, digits, '-', '_' or '.'") }
        if let credentialsFile, !credentialsFile.hasPrefix("/") {
            throw .invalid(key: "\(key).credentials_file", message: "must be an absolute path, got \(credentialsFile)")
        }
        do { _ = try location(environment: [:]) } catch {
            throw .invalid(key: "\(key).url", message: error.description)
        }
    }

    /// Bucket, prefix, endpoint, region and part integrity; unset values fall back to `AWS_ENDPOINT_URL` / `AWS_REGION`.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SyncError) -> RemoteConfig
    {
        try RemoteConfig.parse(self, environment: environment)
    }

    /// A client for this remote. `workspace`, when given, is appended to the prefix: each workspace owns
    /// `<prefix>/<workspace>/…`, so its checkpoint names and its retention never touch another workspace's.
    func makeClient(
        workspace: String? = nil, retry: RetryPolicy = RetryPolicy(), logger: Logger
    ) throws(RemoteUnusableError) -> S3Client {
        var config: RemoteConfig
        do { config = try location() } catch { throw RemoteUnusableError(remote: name, cause: error.description) }
        if let workspace { config.prefix = config.key(workspace) }
        let provider = CredentialsProvider(CredentialSettings(credentialsFile: credentialsFile, profile: profile))
        // Checked now so a configuration error names the remote at once; a credential service that is merely
        // unreachable (STS, instance metadata) is retried with each job instead of failing the start.
        do { _ = try provider.currentWithSource() } catch {
            guard error.isTransient else { throw RemoteUnusableError(remote: name, cause: "\(error)") }
            logger.warning(
                "credentials not available yet; retrying with each job",
                metadata: [
                    "remote": "\(name)", "error": "\(error)",
                ])
        }
        return S3Client(config: config, credentialsProvider: provider, retry: retry, logger: logger)
    }
}

/// A remote that cannot be used as configured (bad URL, missing or unsafe credentials). Never holds the secret.
struct RemoteUnusableError: Error, CustomStringConvertible {
    var remote: String
    var cause: String
    var description: String { "remote \(remote): \(cause)" }
}
