import Foundation
import Hashing
import Testing

@testable import Sync

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct S3ClientTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    @Test func putHeadGetListDeleteRoundTrip() throws {
        let remote = env.remote("roundtrip")
        let client = env.client(remote)
        let bytes = testBytes(300_000, seed: 7)
        let key = remote.key("dir/a b+ü=&.bin") // encoding of awkward keys in the signature
        let etag = try client.putObject(key: key, bytes: bytes, metadata: ["sha256": Digest.sha256Hex(bytes)])
        #expect(etag == Digest.hex(Digest.md5(bytes)))
        let info = try #require(try client.headObject(key: key))
        #expect(info.size == Int64(bytes.count))
        #expect(info.metadata["sha256"] == Digest.sha256Hex(bytes))
        #expect(try client.getObject(key: key) == bytes)
        #expect(try client.getObject(key: key, range: 10...19) == Array(bytes[10...19]))
        let listed = try client.listObjects(prefix: remote.key("dir/"))
        #expect(listed.map(\.key) == [key])
        try client.deleteObject(key: key)
        #expect(try client.headObject(key: key) == nil)
    }

    @Test func wrongSecretIsRefusedAsAuthError() throws {
        let remote = env.remote("badsecret")
        let bad = Credentials(accessKeyID: env.accessKey, secretAccessKey: env.secretKey + "-wrong")
        let client = env.client(remote, credentials: bad)
        let error = #expect(throws: SyncError.self) { try client.putObject(key: remote.key("x"), bytes: [1, 2, 3]) }
        #expect(error?.errorClass == .auth)
        #expect(error.map { "\($0)".contains(env.secretKey) } == false)
        // And the right secret works, so the refusal was about the signature.
        try env.client(remote).putObject(key: remote.key("x"), bytes: [1, 2, 3])
    }

    @Test func unknownAccessKeyIsRefused() {
        let remote = env.remote("badkey")
        let client = env.client(
            remote, credentials: Credentials(accessKeyID: "AKIANOSUCHKEY0000000", secretAccessKey: "x"))
        let error = #expect(throws: SyncError.self) { _ = try client.listObjects(prefix: remote.prefix) }
        #expect(error?.errorClass == .auth)
    }

    @Test func skewedClockIsRefusedWithAHint() {
        let remote = env.remote("skew")
        let client = env.client(remote, clockSkew: -2 * 3600)
        let error = #expect(throws: SyncError.self) { try client.putObject(key: remote.key("x"), bytes: [1]) }
        #expect(error?.errorClass == .auth)
        #expect(error.map { "\($0)" }?.contains("RequestTimeTooSkewed") == true)
    }

    @Test func contentMD5MismatchIsRejected() {
        let remote = env.remote("md5")
        let client = env.client(remote)
        let bytes: [UInt8] = Array("hello".utf8)
        let error = #expect(throws: SyncError.self) {
            try client.putObject(
                key: remote.key("x"), body: .bytes(bytes), sha256Hex: Digest.sha256Hex(bytes),
                contentMD5: Digest.md5(Array("other".utf8)))
        }
        #expect(error?.errorClass == .validation)
    }

    @Test func checksumSHA256PutIsVerifiedByTheServer() throws {
        let remote = env.remote("cksput")
        let client = env.client(remote)
        let bytes = testBytes(70_000, seed: 4)
        try client.putObject(key: remote.key("ok"), body: .bytes(bytes), sha256: Digest.sha256(bytes))
        #expect(try client.getObject(key: remote.key("ok")) == bytes)
        let error = #expect(throws: SyncError.self) {
            try client.putObject(key: remote.key("bad"), body: .bytes(bytes), sha256: Digest.sha256(Array("x".utf8)))
        }
        #expect(error?.errorClass == .validation)
        #expect(try client.headObject(key: remote.key("bad")) == nil)
    }

    @Test func ifNoneMatchRefusesOverwrite() throws {
        let remote = env.remote("inm")
        let client = env.client(remote)
        try client.putObject(key: remote.key("m"), bytes: [1], ifNoneMatch: true)
        let error = #expect(throws: SyncError.self) {
            try client.putObject(key: remote.key("m"), bytes: [2], ifNoneMatch: true)
        }
        #expect(error?.errorClass == .conflict)
        #expect(try client.getObject(key: remote.key("m")) == [1])
    }

    @Test func unixSocketTransport() throws {
        let sock = try #require(env.unixSocket)
        var remote = env.remote("unix")
        remote.unixSocketPath = sock
        let client = env.client(remote)
        try client.putObject(key: remote.key("u"), bytes: [9, 8, 7])
        #expect(try client.getObject(key: remote.key("u")) == [9, 8, 7])
    }

    @Test func virtualHostedAddressing() throws {
        let domain = try #require(env.domain)
        let port = try #require(env.endpoint.split(separator: ":").last.map(String.init))
        var remote = env.remote("vhost", endpoint: "http://\(domain):\(port)")
        remote.addressing = .virtualHosted
        #expect(remote.location(forKey: "k").url == "http://\(env.bucket).\(domain):\(port)/k")
        var options = TransportOptions()
        options.resolve = ["\(env.bucket).\(domain):\(port):127.0.0.1"]
        let client = env.client(remote, options: options)
        try client.putObject(key: remote.key("v"), bytes: [4, 2])
        // Read it back path-style: same object.
        #expect(try env.client(env.remote("p")).getObject(key: remote.key("v")) == [4, 2])
    }

    @Test func connectionsAreReused() throws {
        let remote = env.remote("reuse")
        let client = env.client(remote)
        for i in 0..<5 { try client.putObject(key: remote.key("k\(i)"), bytes: [UInt8(i)]) }
        #expect(client.connectionsCreated == 1)
    }
}

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct TLSTests {
    @Test func httpsToAPlainServerIsAConfigurationErrorNotRetried() throws {
        let env = try #require(S3TestEnv.current)
        let remote = env.remote("tls", endpoint: env.endpoint.replacingOccurrences(of: "http://", with: "https://"))
        let log = EventLog()
        let client = env.client(remote, observer: log.observer)
        let error = #expect(throws: SyncError.self) { _ = try client.headObject(key: remote.key("x")) }
        #expect(error?.errorClass == .auth) // TLS/certificate problems: fix the configuration
        #expect(log.count("HeadObject") == 1)
    }
}
