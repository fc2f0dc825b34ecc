import FaultInjection
import Foundation
import Hashing
import SyncStore
import Systems
import Testing

@testable import Sync

/// Sync in the daemon's life (#14.5) against the real S3 server: a worker cancelled in the middle of a large upload
/// stops at once and a new worker resumes it without re-sending finished parts; failed checkpoints are retried with
/// backoff until they succeed (their state kept across a restart) or a newer one supersedes them; credentials are
/// read again for every job and after an authentication failure.
@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct SyncLifeTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    static let part: Int64 = 5 << 20

    func policy(_ backoff: PublishBackoff = PublishBackoff(initial: 0.05, maximum: 0.2)) -> SyncWorker.Policy {
        var p = SyncWorker.Policy()
        p.backoff = backoff
        p.minBlobAge = 0
        return p
    }

    /// Every file one blob, multipart above one part.
    func largeFileOptions() -> SyncOptions {
        var o = SyncOptions()
        o.chunking = .wholeFiles
        o.multipartThreshold = Self.part
        o.partSizeMinimum = Self.part
        o.concurrency = 1
        return o
    }

    func smallOptions() -> SyncOptions {
        var o = SyncOptions()
        o.chunking = ChunkingPolicy(targetSize: 256 << 10)
        return o
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    func waitFor(_ seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    @Test func cancelledUploadStopsWithinSecondsAndResumesWithoutResendingFinishedParts() async throws {
        let tmp = TempDir()
        let bytes = testBytes(Int(8 * Self.part) + 4321, seed: 314) // 9 parts
        _ = tmp.write("ckpt/weights.bin", bytes)
        let directory = tmp.path + "/ckpt"
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/journal.sqlite")
        let remote = env.remote("cancel")
        let key = remote.key(RemoteLayout.blob(Digest.sha256Hex(bytes)))
        var slow = TransportOptions()
        slow.maxSendBytesPerSecond = 3 << 20 // ≈ 1.7 s per part and connection: the whole upload takes > 7 s

        // Request events with the time they were recorded (on the upload threads, independent of the task pool).
        let stamped = Locked<[(Date, RequestEvent)]>([])
        let first = SyncWorker(
            sync: CheckpointSync(
                client: env.client(
                    remote, options: slow, observer: { e in stamped.withLock { $0.append((Date(), e)) } }),
                journal: journal, options: largeFileOptions()),
            policy: policy(), queueJournal: journal)
        let remoteID = MultipartUploader(client: first.sync.client, journal: nil).remoteID
        first.enqueue(directory: directory, name: "000007")
        let running = Task { await first.run() }
        let twoParts = try await waitFor(240) {
            (try journal.upload(remote: remoteID, key: key)?.parts.count ?? 0) >= 2
        }
        try #require(twoParts, "two parts were never journaled")
        let stopAsked = Date()
        running.cancel()
        await running.value
        // The upload machinery stops within 5 s: its last request event (parts on the wire reported cancelled) comes
        // that soon after the cancellation. The task itself may take longer to be resumed when the cooperative
        // pool is busy with other suites' blocking work (the daemon test measures a real process exit).
        let taskTook = Date().timeIntervalSince(stopAsked)
        let lastEvent = stamped.value.map(\.0).max() ?? stopAsked
        let machineryTook = max(0, lastEvent.timeIntervalSince(stopAsked))
        #expect(machineryTook < 5, "the upload went on for \(machineryTook) s after cancellation")
        #expect(taskTook < 60)
        print("sync-life: upload stopped \(machineryTook) s, worker task \(taskTook) s after cancellation")

        let finished = try #require(try journal.upload(remote: remoteID, key: key)).parts
        #expect(finished.count >= 2 && finished.count < 9, "journaled \(finished.keys.sorted())")
        #expect(try journal.pending(scope: first.scope).map(\.checkpoint) == ["000007"])
        #expect(try first.sync.listCheckpoints().isEmpty)

        // A restart: a new worker restores its queue from the journal and resumes the multipart upload.
        let log = EventLog()
        let second = SyncWorker(
            sync: CheckpointSync(
                client: env.client(remote, observer: log.observer), journal: journal,
                options: largeFileOptions()),
            policy: policy(), queueJournal: journal)
        #expect(second.status().queued == ["000007"])
        let resumed = Task { await second.run() }
        let published = try await waitFor(120) { second.status().lastPublished == "000007" }
        resumed.cancel()
        await resumed.value
        try #require(published, "not published after the restart: \(String(describing: second.status().lastError))")

        let resentParts = Set(
            log.all.filter { $0.operation == "UploadPart" && $0.error == nil }.compactMap(\.partNumber))
        #expect(resentParts.isDisjoint(with: finished.keys), "re-sent \(resentParts.sorted())")
        let finishedBytes = Int64(finished.count) * Self.part
        #expect(log.bytesSent("UploadPart") <= Int64(bytes.count) - finishedBytes)
        #expect(log.count("CreateMultipartUpload") == 0)
        print(
            "sync-life: \(finished.count) of 9 parts finished before the stop; resumed sent \(log.bytesSent("UploadPart")) part bytes of \(bytes.count)"
        )
        #expect(try journal.pending(scope: second.scope).isEmpty)
        #expect(try journal.upload(remote: remoteID, key: key) == nil)
        #expect(try env.client(remote).getObject(key: key) == bytes)
    }

    @Test func failedCheckpointIsRetriedPastThreeAttemptsAndKeepsItsStateAcrossARestart() async throws {
        let proxy = try FaultProxy(
            upstreamPort: env.port, faults: Array(repeating: .respond(503, "ServiceUnavailable"), count: 5))
        defer { proxy.stop() }
        let remote = env.remote("retry", endpoint: proxy.endpoint)
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/journal.sqlite")
        let ckpt = TempDir()
        CheckpointFixture().write(to: ckpt.path)
        func worker() -> SyncWorker {
            let client = env.client(remote, retry: RetryPolicy(maxAttempts: 1, baseDelay: 0.01))
            return SyncWorker(
                sync: CheckpointSync(client: client, journal: journal, options: smallOptions()),
                policy: policy(PublishBackoff(initial: 0.3, maximum: 0.6)), queueJournal: journal)
        }
        let first = worker()
        first.enqueue(directory: ckpt.path, name: "1")
        for expected in 1...3 {
            _ = try await waitFor(2) { first.status().retrying?.first.map { $0.nextAttemptAt <= Date() } ?? true }
            await first.drain()
            #expect(first.status().retrying?.first?.failures == expected)
        }
        let stored = try #require(try journal.pending(scope: first.scope).first)
        #expect(stored.failures == 3)
        #expect(stored.notBefore > Date()) // backing off
        #expect(stored.lastError?.contains("ServiceUnavailable") == true)

        // After a restart the checkpoint is still there with its failures and keeps being retried until it works.
        let second = worker()
        #expect(second.status().retrying?.first?.failures == 3)
        let task = Task { await second.run() }
        let published = try await waitFor(30) { second.status().lastPublished == "1" }
        task.cancel()
        await task.value
        #expect(published, "status: \(second.status())")
        #expect(try journal.pending(scope: second.scope).isEmpty)
        #expect(try second.sync.listCheckpoints() == ["1"])
    }

    @Test func newerCheckpointSupersedesAFailedOne() async throws {
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/journal.sqlite")
        let remote = env.remote("supersede", endpoint: "http://127.0.0.1:9") // nothing listens: connection refused
        let w = SyncWorker(
            sync: CheckpointSync(
                client: env.client(remote, retry: RetryPolicy(maxAttempts: 1)), journal: journal,
                options: smallOptions()),
            policy: policy(PublishBackoff(initial: 60, maximum: 60)), queueJournal: journal)
        let a = TempDir(), b = TempDir()
        CheckpointFixture().write(to: a.path)
        CheckpointFixture().write(to: b.path, refreshRows: 0..<10)
        w.enqueue(directory: a.path, name: "1")
        await w.drain()
        #expect(w.status().retrying?.map(\.checkpoint) == ["1"])
        #expect(w.status().lastError?.kind == "retryable")
        w.enqueue(directory: b.path, name: "2")
        #expect(w.status().queued == ["2"])
        #expect(w.status().retrying == nil)
        #expect(try journal.pending(scope: w.scope).map(\.checkpoint) == ["2"])

        // Both queued before either fails: the older one's failure drops it, since a newer one waits.
        let other = env.remote("supersede2", endpoint: "http://127.0.0.1:9")
        let v = SyncWorker(
            sync: CheckpointSync(
                client: env.client(other, retry: RetryPolicy(maxAttempts: 1)), journal: journal, options: smallOptions()
            ),
            policy: policy(PublishBackoff(initial: 60, maximum: 60)), queueJournal: journal)
        v.enqueue(directory: a.path, name: "1")
        v.enqueue(directory: b.path, name: "2")
        await v.drain()
        #expect(v.status().queued == ["2"])
        #expect(v.status().retrying?.map(\.checkpoint) == ["2"])
        #expect(try journal.pending(scope: v.scope).map(\.checkpoint) == ["2"])
    }

    @Test func rotatedCredentialsFileIsReadByTheNextJob() async throws {
        let tmp = TempDir()
        func writeKeys(secret: String) {
            let p = tmp.write(
                "credentials",
                Array(
                    "[default]\naws_access_key_id = \(env.accessKey)\naws_secret_access_key = \(secret)\n".utf8))
            chmod(p, 0o600)
        }
        writeKeys(secret: env.secretKey)
        let provider = CredentialsProvider(
            CredentialSettings(
                credentialsFile: tmp.path + "/credentials", environment: ["AWS_EC2_METADATA_DISABLED": "true"]))
        let client = S3Client(
            config: env.remote("rotate"), credentialsProvider: provider,
            retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
        let w = SyncWorker(
            sync: CheckpointSync(client: client, journal: nil, options: smallOptions()),
            policy: policy(PublishBackoff(initial: 0.05, maximum: 0.05)))
        let a = TempDir(), b = TempDir()
        CheckpointFixture().write(to: a.path)
        CheckpointFixture().write(to: b.path, refreshRows: 0..<10)
        w.enqueue(directory: a.path, name: "1")
        await w.drain()
        #expect(w.status().lastPublished == "1")

        let wrong = "rotated-but-wrong-secret-0123"
        writeKeys(secret: wrong)
        w.enqueue(directory: b.path, name: "2")
        await w.drain()
        let error = try #require(w.status().lastError)
        #expect(error.kind == "auth" && error.checkpoint == "2") // job 2 signed with the keys now in the file
        #expect(!error.message.contains(wrong))

        writeKeys(secret: env.secretKey)
        try await Task.sleep(for: .milliseconds(100))
        await w.drain()
        #expect(w.status().lastPublished == "2")
    }

    @Test func authenticationFailureRereadsCredentialsAndRetries() throws {
        let tmp = TempDir()
        let path = tmp.write(
            "credentials",
            Array(
                "[default]\naws_access_key_id = \(env.accessKey)\naws_secret_access_key = expired-secret\n".utf8))
        chmod(path, 0o600)
        let provider = CredentialsProvider(
            CredentialSettings(
                credentialsFile: path, environment: ["AWS_EC2_METADATA_DISABLED": "true"]))
        _ = try provider.current() // cached: the old keys
        _ = tmp.write(
            "credentials",
            Array(
                "[default]\naws_access_key_id = \(env.accessKey)\naws_secret_access_key = \(env.secretKey)\n".utf8))
        chmod(path, 0o600)
        let log = EventLog()
        let remote = env.remote("renew")
        let client = S3Client(
            config: remote, credentialsProvider: provider, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01),
            observer: log.observer)
        #expect(try client.headObject(key: remote.key("absent")) == nil)
        let outcomes = log.all.map { $0.error?.errorClass.rawValue ?? "ok" }
        #expect(outcomes == ["auth", "ok"], "\(outcomes)")
    }
}
