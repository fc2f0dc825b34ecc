import Foundation
import Testing

@testable import Sync

/// The AWS credential chain (#17.9): awscli's order and each source, with fake STS and instance-metadata servers on
/// loopback. No secret may appear in an error, a description or a source.
@Suite struct CredentialChainTests {
    static let base = ["AWS_EC2_METADATA_DISABLED": "true", "HOME": "/nonexistent"]

    func resolve(
        _ env: [String: String], file: String? = nil, profile: String? = nil
    ) throws -> (credentials: Credentials, source: String) {
        try CredentialChain.resolve(
            CredentialSettings(
                credentialsFile: file, profile: profile, environment: Self.base.merging(env) { $1 }))
    }

    func write(_ tmp: TempDir, _ name: String, _ text: String, mode: mode_t = 0o600) -> String {
        let p = tmp.write(name, Array(text.utf8))
        chmod(p, mode)
        return p
    }

    @Test func explicitProfileBeatsEnvironmentKeysAsInAwscli() throws {
        let tmp = TempDir()
        let creds = write(tmp, "credentials", "[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = s-work\n")
        let env = [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s-env", "AWS_SHARED_CREDENTIALS_FILE": creds,
        ]
        #expect(try resolve(env).credentials.accessKeyID == "AKIAENV") // no profile named: environment first
        #expect(try resolve(env, profile: "work").credentials.accessKeyID == "AKIAWORK")
        // AWS_PROFILE does not beat environment keys (awscli: only an explicit --profile does).
        #expect(try resolve(env.merging(["AWS_PROFILE": "work"]) { $1 }).credentials.accessKeyID == "AKIAENV")
    }

    @Test func configFileProfilesAndTheirPrecedence() throws {
        let tmp = TempDir()
        let config = write(
            tmp, "config",
            """
            [default]
            region = eu-west-1
            [profile dev]
            aws_access_key_id = AKIADEVCONFIG
            aws_secret_access_key = s-dev-config
            [profile both]
            aws_access_key_id = AKIABOTHCONFIG
            aws_secret_access_key = s-both-config
            """)
        let creds = write(
            tmp, "credentials", "[both]\naws_access_key_id = AKIABOTHCREDS\naws_secret_access_key = s-both\n")
        let env = ["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": creds]
        let dev = try resolve(env, profile: "dev")
        #expect(dev.credentials.accessKeyID == "AKIADEVCONFIG")
        #expect(dev.source.contains(config))
        // The credentials file wins over the config file for the same profile, as in awscli.
        #expect(try resolve(env, profile: "both").credentials.accessKeyID == "AKIABOTHCREDS")
        #expect(try resolve(env.merging(["AWS_PROFILE": "dev"]) { $1 }).credentials.accessKeyID == "AKIADEVCONFIG")
        let missing = #expect(throws: CredentialsError.self) { try resolve(env, profile: "nope") }
        #expect(missing.map { "\($0)" }?.contains("nope") == true)
        // A default profile with only a region is no credential: the chain goes on and finds nothing.
        #expect(throws: CredentialsError.self) { try resolve(env) }
    }

    @Test func credentialProcessOutputIsParsedAndItsExpirationHonoured() throws {
        let tmp = TempDir()
        let counter = tmp.path + "/runs"
        let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(60)) // inside the 5 min margin
        let script = write(
            tmp, "helper.sh",
            """
            #!/bin/sh
            echo run >> '\(counter)'
            printf '{"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "s-proc-secret", "SessionToken": "tok-proc", "Expiration": "\(expiration)"}'
            """, mode: 0o700)
        let config = write(tmp, "config", "[profile proc]\ncredential_process = \(script) --flag\n", mode: 0o644)
        let env = Self.base.merging(["AWS_CONFIG_FILE": config]) { $1 }
        let provider = CredentialsProvider(CredentialSettings(profile: "proc", environment: env))
        let c = try provider.current()
        #expect(c.accessKeyID == "AKIAPROC")
        #expect(c.sessionToken == "tok-proc")
        #expect(c.expiration.map { abs($0.timeIntervalSinceNow - 60) < 2 } == true)
        // Expiring within the margin: the next use runs the process again.
        _ = try provider.current()
        let runs = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count
        #expect(runs == 2)
    }

    @Test func credentialProcessFailuresNeverShowItsOutput() throws {
        let tmp = TempDir()
        let bad = write(
            tmp, "bad.sh",
            "#!/bin/sh\necho '{\"AccessKeyId\": \"AKIALEAK\", \"SecretAccessKey\": \"s-leak-secret\"}'\nexit 3\n",
            mode: 0o700)
        let wrongVersion = write(
            tmp, "v2.sh",
            "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s-leak-secret\"}'\n",
            mode: 0o700)
        let expired = write(
            tmp, "old.sh",
            "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s-leak-secret\", \"Expiration\": \"2001-01-01T00:00:00Z\"}'\n",
            mode: 0o700)
        let config = write(
            tmp, "config",
            """
            [profile bad]
            credential_process = \(bad) s-arg-secret
            [profile v2]
            credential_process = \(wrongVersion)
            [profile old]
            credential_process = \(expired)
            """)
        let env = Self.base.merging(["AWS_CONFIG_FILE": config]) { $1 }
        for (profile, expected) in [("bad", "status 3"), ("v2", "Version 2"), ("old", "expired")] {
            let error = #expect(throws: CredentialsError.self) {
                try CredentialsProvider(CredentialSettings(profile: profile, environment: env)).current()
            }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains(expected), "\(text)")
            #expect(
                !text.contains("s-leak-secret") && !text.contains("s-arg-secret") && !text.contains("AKIALEAK"),
                "\(text)")
        }
    }

    @Test func webIdentityAssumesTheRoleAtTheConfiguredSTSEndpoint() throws {
        let tmp = TempDir()
        let token = write(tmp, "token", "eyJ.web-identity-token.sig\n")
        let expiry = "2099-01-01T00:00:00Z"
        let sts = try LoopbackHTTPServer { r in
            let form = Dictionary(
                uniqueKeysWithValues: r.body.split(separator: "&").map { kv -> (String, String) in
                    let p = kv.split(separator: "=", maxSplits: 1).map {
                        String($0).removingPercentEncoding ?? String($0)
                    }
                    return (p[0], p.count > 1 ? p[1] : "")
                })
            guard r.method == "POST", form["Action"] == "AssumeRoleWithWebIdentity", form["Version"] == "2011-06-15",
                form["RoleArn"] == "arn:aws:iam::123456789012:role/transtok",
                form["WebIdentityToken"] == "eyJ.web-identity-token.sig",
                form["RoleSessionName"] == "transtok-test", r.headers["authorization"] == nil
            else {
                return .init(
                    status: 400,
                    body:
                        "<ErrorResponse><Error><Code>InvalidParameterValue</Code><Message>bad request</Message></Error></ErrorResponse>"
                )
            }
            return .init(
                status: 200,
                body: """
                    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                    <AssumeRoleWithWebIdentityResult><Credentials>
                    <AccessKeyId>ASIAWEBID</AccessKeyId><SecretAccessKey>s-web-secret</SecretAccessKey>
                    <SessionToken>tok-web</SessionToken><Expiration>\(expiry)</Expiration>
                    </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
                    """, contentType: "text/xml")
        }
        defer { sts.stop() }
        let env = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/transtok",
            "AWS_ROLE_SESSION_NAME": "transtok-test", "AWS_ENDPOINT_URL_STS": sts.url,
        ]
        let got = try resolve(env)
        #expect(got.credentials.accessKeyID == "ASIAWEBID")
        #expect(got.credentials.sessionToken == "tok-web")
        #expect(got.credentials.expiration == ISO8601DateFormatter().date(from: expiry))
        #expect(sts.requests.count == 1)
        #expect(!got.source.contains("tok-web") && !got.source.contains("eyJ"))

        // A refusal names STS and the role, never the token.
        let refusing = try LoopbackHTTPServer { _ in
            .init(
                status: 403,
                body:
                    "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized</Message></Error></ErrorResponse>"
            )
        }
        defer { refusing.stop() }
        let error = #expect(throws: CredentialsError.self) {
            try resolve(env.merging(["AWS_ENDPOINT_URL_STS": refusing.url]) { $1 })
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("AccessDenied") && text.contains("role/transtok"), "\(text)")
        #expect(!text.contains("eyJ"), "\(text)")
    }

    @Test func instanceMetadataUsesAnIMDSv2TokenAndCanBeDisabled() throws {
        let imds = try LoopbackHTTPServer { r in
            switch (r.method, r.path) {
            case ("PUT", "/latest/api/token"):
                guard r.headers["x-aws-ec2-metadata-token-ttl-seconds"] != nil else {
                    return .init(status: 400, body: "")
                }
                return .init(status: 200, body: "imds-session-token")
            case ("GET", _) where r.headers["x-aws-ec2-metadata-token"] != "imds-session-token":
                return .init(status: 401, body: "")
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return .init(status: 200, body: "transtok-node\n")
            case ("GET", "/latest/meta-data/iam/security-credentials/transtok-node"):
                return .init(
                    status: 200,
                    body: """
                        {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "s-imds-secret",
                         "Token": "tok-imds", "Expiration": "2099-01-01T00:00:00Z"}
                        """, contentType: "application/json")
            default:
                return .init(status: 404, body: "")
            }
        }
        defer { imds.stop() }
        let env = ["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url]
        let got = try resolve(env)
        #expect(got.credentials.accessKeyID == "ASIAIMDS")
        #expect(got.credentials.sessionToken == "tok-imds")
        #expect(got.source == "EC2 instance metadata")
        #expect(imds.requests.map(\.method) == ["PUT", "GET", "GET"])

        let before = imds.requests.count
        let error = #expect(throws: CredentialsError.self) {
            try resolve(env.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 })
        }
        #expect(imds.requests.count == before)
        if case .notFound = error {} else { Issue.record("expected notFound, got \(String(describing: error))") }
    }

    @Test func providerRereadsARotatedFileOnRefresh() throws {
        let tmp = TempDir()
        let p = write(tmp, "credentials", "[default]\naws_access_key_id = AKIAOLD\naws_secret_access_key = s-old\n")
        let provider = CredentialsProvider(CredentialSettings(credentialsFile: p, environment: Self.base))
        #expect(try provider.current().accessKeyID == "AKIAOLD")
        _ = write(tmp, "credentials", "[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = s-new\n")
        #expect(try provider.current().accessKeyID == "AKIAOLD") // cached within a job
        provider.refresh()
        #expect(try provider.current().accessKeyID == "AKIANEW")
        #expect(!provider.renew(after: try provider.current())) // nothing changed since
        #expect(!"\(try provider.current())".contains("s-new"))
    }

    @Test func sessionTokenIsSentAndSigned() throws {
        let client = S3Client(
            config: RemoteConfig(endpoint: "http://127.0.0.1:9", bucket: "b"),
            credentials: Credentials(accessKeyID: "ASIATEMP", secretAccessKey: "s", sessionToken: "tok-session"))
        var call = S3Client.Call(operation: "HeadObject", method: "HEAD", key: "k")
        let request = try client.signedRequest(&call, cancel: nil, progress: nil)
        let headers = Dictionary(request.headers.map { ($0.name.lowercased(), $0.value) }) { $1 }
        #expect(headers["x-amz-security-token"] == "tok-session")
        let auth = try #require(headers["authorization"])
        #expect(auth.contains("x-amz-security-token"))
        #expect(call.signedWith?.sessionToken == "tok-session")
    }

    /// Settings carry the environment (with its secrets): interpolation, `dump` and mirrors must not show them.
    @Test func noSecretInDescriptionsOrMirrors() throws {
        let env = [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s-env-secret",
            "AWS_SESSION_TOKEN": "tok-env-secret",
        ]
        let settings = CredentialSettings(
            explicit: Credentials(accessKeyID: "AKIAX", secretAccessKey: "s-explicit-secret", sessionToken: "tok-x"),
            environment: env)
        let provider = CredentialsProvider(settings)
        let credentials = try provider.current()
        var dumped = ""
        dump(settings, to: &dumped)
        dump(provider, to: &dumped)
        dump(credentials, to: &dumped)
        let client = S3Client(
            config: RemoteConfig(endpoint: "http://127.0.0.1:9", bucket: "b"), credentialsProvider: provider)
        dump(client, to: &dumped)
        for text in [
            "\(settings)", String(reflecting: settings), "\(provider)", "\(credentials)",
            String(reflecting: credentials), dumped,
        ] {
            for secret in ["s-env-secret", "tok-env-secret", "s-explicit-secret", "tok-x"] {
                #expect(!text.contains(secret), "\(secret) in \(text)")
            }
        }
    }
}
