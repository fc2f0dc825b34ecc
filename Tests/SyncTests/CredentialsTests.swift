import Foundation
import Testing

@testable import Sync

@Suite struct CredentialsTests {
    func file(_ text: String, mode: mode_t) -> (TempDir, String) {
        let tmp = TempDir()
        let p = tmp.write("credentials", Array(text.utf8))
        chmod(p, mode)
        return (tmp, p)
    }

    let text = """
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = secret-default

        [profile ci]
        aws_access_key_id=AKIACI
        aws_secret_access_key=secret-ci
        aws_session_token=tok
        """

    /// No instance metadata lookups from unit tests (nothing listens at 169.254.169.254 here).
    static let offline = ["AWS_EC2_METADATA_DISABLED": "true", "HOME": "/nonexistent"]

    func resolve(_ env: [String: String], file: String? = nil, profile: String? = nil) throws -> Credentials {
        try CredentialChain.resolve(
            CredentialSettings(
                credentialsFile: file, profile: profile, environment: Self.offline.merging(env) { $1 })
        ).credentials
    }

    @Test func environmentWins() throws {
        let c = try resolve(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"])
        #expect(c.accessKeyID == "AKIAENV")
        #expect(c.sessionToken == "t")
    }

    @Test func privateFileIsRead() throws {
        let (tmp, p) = file(text, mode: 0o600)
        defer { _ = tmp }
        #expect(try resolve(["AWS_SHARED_CREDENTIALS_FILE": p]).accessKeyID == "AKIADEFAULT")
        let ci = try resolve(["AWS_SHARED_CREDENTIALS_FILE": p, "AWS_PROFILE": "ci"])
        #expect(ci.accessKeyID == "AKIACI")
        #expect(ci.sessionToken == "tok")
    }

    @Test(arguments: [0o640, 0o604, 0o644])
    func groupOrWorldReadableFileIsRefused(_ mode: Int) {
        let (tmp, p) = file(text, mode: mode_t(mode))
        defer { _ = tmp }
        let error = #expect(throws: CredentialsError.self) { try resolve([:], file: p) }
        #expect(error.map { "\($0)" }?.contains("chmod 600") == true)
        #expect(error.map { "\($0)" }?.contains("secret-default") == false)
    }

    @Test func missingProfileAndMissingCredentials() {
        let (tmp, p) = file(text, mode: 0o600)
        defer { _ = tmp }
        #expect(throws: CredentialsError.profileMissing(path: p, profile: "nope")) {
            try resolve([:], file: p, profile: "nope")
        }
        #expect(throws: CredentialsError.self) { try resolve([:]) }
    }

    @Test func remoteURLParsing() throws {
        let r = try RemoteConfig.parse("s3://bucket/some/prefix/", environment: ["AWS_REGION": "eu-west-1"])
        #expect(r.bucket == "bucket")
        #expect(r.prefix == "some/prefix")
        #expect(r.endpoint == "https://s3.eu-west-1.amazonaws.com")
        #expect(r.addressing == .virtualHosted)
        #expect(
            r.location(forKey: "some/prefix/a b").url == "https://bucket.s3.eu-west-1.amazonaws.com/some/prefix/a%20b")
        let local = try RemoteConfig.parse("s3://b", endpoint: "http://127.0.0.1:9000/", environment: [:])
        #expect(local.addressing == .path)
        #expect(local.location(forKey: "k").url == "http://127.0.0.1:9000/b/k")
        #expect(throws: SyncError.self) { try RemoteConfig.parse("http://b", environment: [:]) }
        #expect(throws: SyncError.self) { try RemoteConfig.parse("s3://b", endpoint: "ftp://x", environment: [:]) }
    }
}
