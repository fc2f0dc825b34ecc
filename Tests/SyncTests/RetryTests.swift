import FaultInjection
import Foundation
import Hashing
import Testing

@testable import Sync

@Suite struct ErrorClassificationTests {
    @Test func classes() {
        func http(_ status: Int, _ code: String?) -> ErrorClass {
            SyncError.http(operation: "Op", key: "k", status: status, code: code, message: nil, requestID: nil)
                .errorClass
        }
        #expect(http(500, "InternalError") == .retryable)
        #expect(http(503, "SlowDown") == .retryable)
        #expect(http(400, "RequestTimeout") == .retryable)
        #expect(http(429, nil) == .retryable)
        #expect(http(403, "SignatureDoesNotMatch") == .auth)
        #expect(http(403, "RequestTimeTooSkewed") == .auth)
        #expect(http(400, "BadDigest") == .validation)
        #expect(http(400, "EntityTooSmall") == .validation)
        #expect(http(404, "NoSuchKey") == .notFound)
        #expect(http(412, "PreconditionFailed") == .conflict)
        #expect(SyncError.transport(operation: "Op", key: "k", curlCode: 56, message: "reset").errorClass == .retryable)
        #expect(
            SyncError.transport(operation: "Op", key: "k", curlCode: 28, message: "timeout").errorClass == .retryable)
        #expect(SyncError.transport(operation: "Op", key: "k", curlCode: 60, message: "cert").errorClass == .auth)
        #expect(
            !SyncError.budgetExhausted(last: .transport(operation: "", key: "", curlCode: 56, message: "")).isRetryable)
    }

    @Test func backoffGrowsAndIsCapped() {
        let p = RetryPolicy(baseDelay: 0.1, maxDelay: 1)
        for _ in 0..<50 {
            #expect((0...0.1).contains(p.delay(beforeRetry: 1)))
            #expect((0...0.4).contains(p.delay(beforeRetry: 3)))
            #expect((0...1).contains(p.delay(beforeRetry: 10)))
        }
        // Jitter: not always the same value.
        #expect(Set((0..<20).map { _ in p.delay(beforeRetry: 5) }).count > 1)
    }
}

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct RetryTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    @Test func resetsAnd5xxAreRetried() throws {
        let proxy = try FaultProxy(
            upstreamPort: env.port, faults: [.reset, .respond(500, "InternalError"), .respond(503, "SlowDown")])
        defer { proxy.stop() }
        let remote = env.remote("retry", endpoint: proxy.endpoint)
        let log = EventLog()
        let client = env.client(remote, observer: log.observer)
        let budget = RetryBudget(10)
        let bytes = testBytes(50_000)
        try client.putObject(key: remote.key("x"), bytes: bytes, budget: budget)
        #expect(log.count("PutObject") == 4)
        #expect(budget.retriesUsed == 3)
        #expect(try client.getObject(key: remote.key("x")) == bytes)
    }

    @Test func authErrorsAreNotRetried() throws {
        let proxy = try FaultProxy(upstreamPort: env.port, faults: [])
        defer { proxy.stop() }
        let remote = env.remote("noretry", endpoint: proxy.endpoint)
        let log = EventLog()
        let client = env.client(
            remote, credentials: Credentials(accessKeyID: env.accessKey, secretAccessKey: "wrong"),
            observer: log.observer)
        #expect(throws: SyncError.self) { try client.putObject(key: remote.key("x"), bytes: [1]) }
        #expect(log.count("PutObject") == 1)
    }

    @Test func perRequestAttemptsAndSyncBudgetAreBounded() throws {
        let proxy = try FaultProxy(
            upstreamPort: env.port, faults: Array(repeating: .respond(500, "InternalError"), count: 20))
        defer { proxy.stop() }
        let remote = env.remote("budget", endpoint: proxy.endpoint)
        let log = EventLog()
        let client = env.client(remote, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01), observer: log.observer)
        let e1 = #expect(throws: SyncError.self) { try client.putObject(key: remote.key("a"), bytes: [1]) }
        #expect(log.count("PutObject") == 3)
        #expect(e1?.isRetryable == true)
        let budget = RetryBudget(1)
        let e2 = #expect(throws: SyncError.self) {
            try client.putObject(key: remote.key("b"), bytes: [1], budget: budget)
        }
        #expect(log.count("PutObject") == 5) // 2 more: the first try and the one retry the budget allowed
        if case .budgetExhausted = e2 {
        } else {
            Issue.record("expected budgetExhausted, got \(String(describing: e2))")
        }
    }

    @Test func slowResponsesTimeOutAndAreRetried() throws {
        let proxy = try FaultProxy(upstreamPort: env.port, faults: [.delay(3)])
        defer { proxy.stop() }
        let remote = env.remote("slow", endpoint: proxy.endpoint)
        var options = TransportOptions()
        options.smallRequestTimeoutMs = 500
        let log = EventLog()
        let client = env.client(remote, options: options, observer: log.observer)
        let start = Date()
        #expect(try client.headObject(key: remote.key("nothing")) == nil)
        #expect(Date().timeIntervalSince(start) < 2.5)
        let first = try #require(log.all.first)
        if case .transport(_, _, let code, _)? = first.error {
            #expect(code == 28)
        } else {
            Issue.record("first attempt should have timed out: \(String(describing: first.error))")
        }
    }

    @Test func completeWhoseAnswerIsLostIsCheckedBeforeFailing() throws {
        // Parts go straight to the server; only Complete goes through the proxy, which drops its answer.
        let direct = env.remote("lostcomplete")
        var viaProxy = direct
        let proxy = try FaultProxy(upstreamPort: env.port, faults: [.dropResponse, .dropResponse])
        defer { proxy.stop() }
        viaProxy.endpoint = proxy.endpoint
        let key = direct.key("obj")
        let client = env.client(direct)
        let id = try client.createMultipartUpload(key: key)
        let bytes = testBytes(1000, seed: 5)
        let etag = try client.uploadPart(
            key: key, uploadID: id, partNumber: 1, body: .bytes(bytes),
            sha256Hex: Digest.sha256Hex(bytes), md5: Digest.md5(bytes))
        let log = EventLog()
        let proxied = env.client(viaProxy, retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01), observer: log.observer)
        let final = try proxied.completeMultipartUpload(
            key: key, uploadID: id,
            parts: [PartInfo(partNumber: 1, etag: etag, size: 1000)])
        #expect(final == S3Client.multipartETag(partETags: [etag]))
        #expect(log.all.filter { $0.operation == "CompleteMultipartUpload" }.allSatisfy { $0.error != nil })
        // At least one HEAD confirmed the object (the check itself may be retried when the proxy drops its answer).
        #expect(log.count("HeadObject") >= 1)
        #expect(try client.getObject(key: key) == bytes)
    }

    @Test func multipartSurvivesInjectedFaults() throws {
        let proxy = try FaultProxy(
            upstreamPort: env.port,
            faults: [.pass, .reset, .respond(500, "InternalError"), .reset, .respond(503, "SlowDown")])
        defer { proxy.stop() }
        let tmp = TempDir()
        let bytes = testBytes(11 << 20, seed: 9)
        let file = try OpenFile(path: tmp.write("f", bytes))
        let remote = env.remote("mpfaults", endpoint: proxy.endpoint)
        let client = env.client(remote)
        let budget = RetryBudget(20)
        let up = MultipartUploader(client: client, journal: nil, partSizeMinimum: 5 << 20, concurrency: 2)
        _ = try up.upload(
            file: file, length: file.size, sha256Hex: Digest.sha256Hex(bytes), key: remote.key("f"),
            budget: budget)
        #expect(budget.retriesUsed >= 1)
        #expect(try client.getObject(key: remote.key("f")) == bytes)
    }

    /// The first part's answer is lost after its whole body went out; the retried part is counted once.
    @Test func aRetriedPartIsCountedOnce() throws {
        let proxy = try FaultProxy(upstreamPort: env.port, faults: [.pass, .dropResponse])
        defer { proxy.stop() }
        let tmp = TempDir()
        let bytes = testBytes(6 << 20, seed: 14)
        let file = try OpenFile(path: tmp.write("f", bytes))
        let remote = env.remote("progressretry", endpoint: proxy.endpoint)
        let log = EventLog()
        let progress = SyncProgress()
        let up = MultipartUploader(
            client: env.client(remote, observer: log.observer), journal: nil, partSizeMinimum: 5 << 20, concurrency: 1)
        _ = try up.upload(
            file: file, length: file.size, sha256Hex: Digest.sha256Hex(bytes), key: remote.key("f"),
            progress: progress)
        #expect(log.all.contains { $0.operation == "UploadPart" && $0.error != nil })
        #expect(progress.snapshot().uploadedBytes == file.size)
        #expect(try env.client(remote).getObject(key: remote.key("f")) == bytes)
    }
}
