import Foundation
import Testing

@testable import Sync

enum CLIBinary {
    static let path: String? = UploaderBinary.path.map { ($0 as NSString).deletingLastPathComponent + "/transtok" }
        .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }

    static func run(
        _ args: [String], env: S3TestEnv, secret: String? = nil, extra: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path ?? "/nonexistent")
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        e["AWS_ACCESS_KEY_ID"] = env.accessKey
        e["AWS_SECRET_ACCESS_KEY"] = secret ?? env.secretKey
        e["AWS_REGION"] = env.region
        e.removeValue(forKey: "AWS_ENDPOINT_URL")
        e.merge(extra) { $1 }
        p.environment = e
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// `transtok pull` and `transtok remote test` as a user runs them.
@Suite(
    .enabled(
        if: S3TestEnv.available && S3TestEnv.runs(needing: CLIBinary.path != nil),
        Comment(rawValue: S3TestEnv.skipMessage + " (and the transtok binary from swift build --build-tests)")))
struct CLITests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    @Test func pullAndRemoteTest() async throws {
        let src = TempDir(), dst = TempDir()
        CheckpointFixture().write(to: src.path)
        let remote = env.remote("cli")
        _ = try await CheckpointSync(client: env.client(remote), journal: nil).publish(
            directory: src.path, name: "000003")
        let url = "s3://\(env.bucket)/\(remote.prefix)"

        let ok = try CLIBinary.run(["remote", "test", url, "--endpoint", env.endpoint], env: env)
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("ok   delete probe"))

        let bad = try CLIBinary.run(
            ["remote", "test", url, "--endpoint", env.endpoint], env: env, secret: "wrong-secret-x")
        #expect(bad.status != 0)
        #expect(bad.output.contains("SignatureDoesNotMatch"))
        #expect(!bad.output.contains("wrong-secret-x"))

        let pulled = try CLIBinary.run(
            ["pull", url, "000003", dst.path + "/out", "--endpoint", env.endpoint], env: env)
        #expect(pulled.status == 0, "\(pulled.output)")
        for name in ["config.json", "tokenizer.json", "model.safetensors"] {
            #expect(
                FileManager.default.contentsEqual(atPath: src.path + "/" + name, andPath: dst.path + "/out/" + name))
        }
        let missing = try CLIBinary.run(["pull", url, "404", dst.path + "/x", "--endpoint", env.endpoint], env: env)
        #expect(missing.status != 0)
        #expect(missing.output.contains("not published"))
    }

    /// #17.9: awscli's `--endpoint-url` is accepted, and an explicit `--profile` wins over keys in the environment.
    @Test func endpointURLAndExplicitProfileAsInAwscli() throws {
        let tmp = TempDir()
        let credentials = tmp.write(
            "credentials",
            Array(
                "[good]\naws_access_key_id = \(env.accessKey)\naws_secret_access_key = \(env.secretKey)\n".utf8))
        chmod(credentials, 0o600)
        let url = "s3://\(env.bucket)/\(env.remote("cliprofile").prefix)"
        let files = [
            "AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": tmp.path + "/none",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let wrong = "env-secret-that-is-wrong"
        // Environment keys are wrong; the profile named on the command line is used instead.
        let ok = try CLIBinary.run(
            ["remote", "test", url, "--endpoint-url", env.endpoint, "--profile", "good"], env: env, secret: wrong,
            extra: files)
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("ok   delete probe"))
        // Without --profile the environment comes first, as in awscli (and its wrong secret is never printed).
        let envFirst = try CLIBinary.run(
            ["remote", "test", url, "--endpoint-url", env.endpoint], env: env, secret: wrong, extra: files)
        #expect(envFirst.status != 0)
        #expect(envFirst.output.contains("SignatureDoesNotMatch"), "\(envFirst.output)")
        let missing = try CLIBinary.run(
            ["remote", "test", url, "--endpoint-url", env.endpoint, "--profile", "absent"], env: env, secret: wrong,
            extra: files)
        #expect(missing.status != 0)
        #expect(missing.output.contains("absent"), "\(missing.output)")
        for output in [ok.output, envFirst.output, missing.output] {
            #expect(!output.contains(wrong) && !output.contains(env.secretKey))
        }
    }
}
