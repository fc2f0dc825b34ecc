import Foundation

/// The loopback S3 server of `scripts/s3-test-server.sh start` (its env file, or TRANSTOK_S3_TEST_* variables).
/// DaemonTests drive real processes, so they only need the address and the throwaway test keys.
struct S3Server: Sendable {
    var endpoint: String
    var accessKey: String
    var secretKey: String
    var region: String
    var bucket: String

    static let current: S3Server? = {
        let environment = ProcessInfo.processInfo.environment
        var values = environment.filter { $0.key.hasPrefix("TRANSTOK_S3_TEST_") }
        if values["TRANSTOK_S3_TEST_ENDPOINT"] == nil {
            let path = environment["TRANSTOK_S3_ENV"] ?? (environment["TMPDIR"] ?? "/tmp") + "/transtok-s3.env"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
            }
        }
        guard let endpoint = values["TRANSTOK_S3_TEST_ENDPOINT"], let accessKey = values["TRANSTOK_S3_TEST_ACCESS_KEY"],
            let secretKey = values["TRANSTOK_S3_TEST_SECRET_KEY"]
        else { return nil }
        return S3Server(
            endpoint: endpoint, accessKey: accessKey, secretKey: secretKey,
            region: values["TRANSTOK_S3_TEST_REGION"] ?? "us-east-1",
            bucket: values["TRANSTOK_S3_TEST_BUCKET"] ?? "transtok-test")
    }()

    /// Without it the suites that need it are skipped with `skipMessage` (as SyncTests are), except under CI
    /// (`CI` set), where they run and fail: a missing server is a failure there, never a skip.
    static var available: Bool { current != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    /// The configured server, or an error saying how to start one.
    static func required() throws -> S3Server {
        guard let current else { throw S3ServerMissing(message: skipMessage) }
        return current
    }
    static let skipMessage =
        "no S3 test server: run scripts/s3-test-server.sh start (writes ${TMPDIR:-/tmp}/transtok-s3.env)"

    /// The environment a process needs to sign requests with the test keys (secret: `secret` instead, if given).
    func environment(secret: String? = nil) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env["AWS_ACCESS_KEY_ID"] = accessKey
        env["AWS_SECRET_ACCESS_KEY"] = secret ?? secretKey
        env["AWS_REGION"] = region
        return env
    }
}

struct S3ServerMissing: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
