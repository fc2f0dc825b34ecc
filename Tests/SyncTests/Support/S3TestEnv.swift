import Foundation
import Synchronization

@testable import Sync

/// The loopback S3 server started by `scripts/s3-test-server.sh start` (env file or TRANSTOK_S3_TEST_* variables).
struct S3TestEnv: Sendable {
    var endpoint: String
    var accessKey: String
    var secretKey: String
    var region: String
    var bucket: String
    var unixSocket: String?
    var domain: String?

    static let skipMessage =
        "no S3 test server configured: run scripts/s3-test-server.sh start (writes ${TMPDIR:-/tmp}/transtok-s3.env)"

    static let current: S3TestEnv? = {
        var values = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("TRANSTOK_S3_TEST_") }
        if values["TRANSTOK_S3_TEST_ENDPOINT"] == nil {
            let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
            let path = ProcessInfo.processInfo.environment["TRANSTOK_S3_ENV"] ?? tmp + "/transtok-s3.env"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
            }
        }
        guard let ep = values["TRANSTOK_S3_TEST_ENDPOINT"], let ak = values["TRANSTOK_S3_TEST_ACCESS_KEY"],
            let sk = values["TRANSTOK_S3_TEST_SECRET_KEY"]
        else { return nil }
        return S3TestEnv(
            endpoint: ep, accessKey: ak, secretKey: sk, region: values["TRANSTOK_S3_TEST_REGION"] ?? "us-east-1",
            bucket: values["TRANSTOK_S3_TEST_BUCKET"] ?? "transtok-test",
            unixSocket: values["TRANSTOK_S3_TEST_UNIX_SOCKET"],
            domain: values["TRANSTOK_S3_TEST_DOMAIN"])
    }()

    /// Whether the suites that need the server run: always under CI (`CI` set), where a missing server must fail
    /// them rather than skip them; elsewhere only when a server is configured.
    static var available: Bool { current != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    /// Whether a suite that needs `present` (a binary, a Python module) runs: always under CI, where its absence
    /// must fail the suite, not skip it.
    static func runs(needing present: Bool) -> Bool { present || ProcessInfo.processInfo.environment["CI"] != nil }

    /// The configured server, or an error saying how to start one (what a suite sees under CI without a server).
    static func required() throws -> S3TestEnv {
        guard let current else { throw MissingTestPrerequisite(skipMessage) }
        return current
    }

    var credentials: Credentials { Credentials(accessKeyID: accessKey, secretAccessKey: secretKey) }

    /// A remote under a fresh prefix so tests never see each other's objects.
    func remote(_ name: String, endpoint: String? = nil) -> RemoteConfig {
        RemoteConfig(
            endpoint: endpoint ?? self.endpoint, bucket: bucket,
            prefix: "t/\(name)-\(UUID().uuidString.prefix(8).lowercased())", region: region)
    }

    func client(
        _ remote: RemoteConfig, credentials: Credentials? = nil, retry: RetryPolicy = RetryPolicy(baseDelay: 0.01),
        options: TransportOptions = TransportOptions(), clockSkew: TimeInterval = 0,
        observer: (@Sendable (RequestEvent) -> Void)? = nil
    ) -> S3Client {
        S3Client(
            config: remote, credentials: credentials ?? self.credentials, retry: retry, options: options,
            clockSkew: clockSkew, observer: observer)
    }
}

/// Collects request events from any thread.
final class EventLog: Sendable {
    private let events = Mutex<[RequestEvent]>([])
    var observer: @Sendable (RequestEvent) -> Void { { e in self.events.withLock { $0.append(e) } } }
    var all: [RequestEvent] { events.withLock { $0 } }
    func count(_ op: String) -> Int { all.filter { $0.operation == op }.count }
    func bytesSent(_ op: String? = nil) -> Int64 {
        all.filter { ($0.operation == op || op == nil) && $0.error == nil }.reduce(0) { $0 + $1.bytesSent }
    }
}

/// A temporary directory removed at deinit.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "transtok-sync-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = path + "/" + name
        try? FileManager.default.createDirectory(
            atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
func testBytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        var v = x
        for _ in 0..<8 where i < count {
            out[i] = UInt8(truncatingIfNeeded: v)
            v >>= 8
            i += 1
        }
    }
    return out
}

/// A prerequisite a test needs and does not have (under CI a missing prerequisite fails, never skips).
struct MissingTestPrerequisite: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension S3TestEnv {
    /// The server's TCP port (for a `FaultProxy` in front of it).
    var port: UInt16 { UInt16(endpoint.split(separator: ":").last.map(String.init) ?? "") ?? 0 }
}
