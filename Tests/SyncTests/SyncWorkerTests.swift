import Foundation
import Testing

@testable import Sync

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct SyncWorkerTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    func worker(_ remote: RemoteConfig, credentials: Credentials? = nil, keepLast: Int? = nil) -> SyncWorker {
        var o = SyncOptions()
        o.chunking = ChunkingPolicy(targetSize: 256 << 10)
        var p = SyncWorker.Policy()
        p.keepLast = keepLast
        p.minBlobAge = 0
        p.backoff = PublishBackoff(initial: 0.01, maximum: 0.02)
        let client = env.client(remote, credentials: credentials, retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
        return SyncWorker(sync: CheckpointSync(client: client, journal: nil, options: o), policy: p)
    }

    @Test func publishesQueueInOrderAndReportsStatus() async throws {
        let remote = env.remote("worker")
        let w = worker(remote, keepLast: 1)
        let a = TempDir(), b = TempDir()
        CheckpointFixture().write(to: a.path)
        CheckpointFixture().write(to: b.path, refreshRows: 0..<10)
        w.enqueue(directory: a.path, name: "1")
        w.enqueue(directory: b.path, name: "2")
        w.enqueue(directory: b.path, name: "2") // duplicate ignored
        #expect(w.status().queued == ["1", "2"])
        let task = Task { await w.run() }
        for _ in 0..<400 where w.status().lastPublished != "2" { try await Task.sleep(for: .milliseconds(25)) }
        task.cancel()
        await task.value
        let s = w.status()
        #expect(s.lastPublished == "2")
        #expect(s.queued.isEmpty)
        #expect(s.inFlight == nil)
        #expect(s.lastError == nil)
        #expect(s.lastBytesUploaded.map { $0 < s.lastTotalBytes ?? 0 } == true)
        #expect(try w.sync.listCheckpoints() == ["2"]) // keep-last-1 retention ran
    }

    @Test func authFailureIsReportedWithoutTheSecret() async throws {
        let remote = env.remote("workerauth")
        let secret = "definitely-wrong-secret-value"
        let w = worker(remote, credentials: Credentials(accessKeyID: env.accessKey, secretAccessKey: secret))
        let a = TempDir()
        CheckpointFixture().write(to: a.path)
        w.enqueue(directory: a.path, name: "1")
        await w.drain()
        let e = try #require(w.status().lastError)
        #expect(e.kind == "auth")
        #expect(e.checkpoint == "1")
        #expect(!e.message.contains(secret))
        #expect(w.status().lastPublished == nil)
    }

    @Test func remoteCheckWritesReadsAndDeletesAProbe() async throws {
        let remote = env.remote("remotecheck")
        let steps = await RemoteCheck.run(env.client(remote))
        #expect(steps.count == 4)
        #expect(steps.allSatisfy { $0.ok }, "\(steps)")
        #expect(try env.client(remote).listObjects(prefix: remote.prefix + "/").isEmpty)
        let bad = await RemoteCheck.run(
            env.client(
                remote,
                credentials: Credentials(
                    accessKeyID: env.accessKey,
                    secretAccessKey: "nope")))
        #expect(bad.first?.ok == false)
    }
}
