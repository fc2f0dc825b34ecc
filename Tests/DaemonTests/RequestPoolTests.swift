import ControlAPI
import Entities
import Foundation
import GRDB
import HummingbirdTesting
import Synchronization
import Testing

@testable import Daemon

/// Issue #14 item 8: a control-API request's store work runs off Swift's cooperative pool (`offPool`), so requests
/// whose writes wait for SQLite's write lock neither stall cheap requests nor outlive the request time limit.
/// Timer-sensitive: listed in `scripts/test.sh`'s `timed_suites`.
@Suite struct RequestPoolTests {
    /// Another connection (a backup, `sqlite3` by hand) holds the write lock, so each write of the daemon waits for
    /// it, up to the store's busy timeout (10 s). As many `remote add` requests as the cooperative pool has threads
    /// wait for it; `health` and `status` still answer at once, and each slow request gets the time-limit error
    /// after 1 s. Once the lock is free, the writes those requests asked for commit.
    @Test func slowStoreWritesNeitherStallOtherRequestsNorOutliveTheTimeLimit() async throws {
        let daemon = try InProcessDaemon(label: "slow-writes", storeOnDisk: true) { $0.requestTimeoutSeconds = 1 }
        defer { daemon.removeFiles() }
        let store = daemon.services.store
        let lock = try WriteLockHolder(path: store.path)
        defer { lock.release() }

        // The cooperative pool is as wide as the machine (two threads here).
        let slow = max(2, ProcessInfo.processInfo.activeProcessorCount)
        try await daemon.test { client in
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for i in 0..<slow {
                    group.addTask {
                        let request = RemoteRequest(
                            RemoteSpec(name: "slow-\(i)", url: "s3://bucket/p\(i)", endpoint: "http://127.0.0.1:9"),
                            check: false)
                        let start = ContinuousClock.now
                        let response = try await client.send(
                            ControlEndpoints.AddRemote.self, .init(), query: .init(), body: request)
                        return Answer(status: Int(response.status.code), seconds: Self.seconds(since: start))
                    }
                }
                // Let every slow request reach the store.
                try await Task.sleep(for: .milliseconds(500))

                var start = ContinuousClock.now
                let health = try await client.send(ControlEndpoints.Health.self, .init(), query: .init(), body: .init())
                let healthSeconds = Self.seconds(since: start)
                start = ContinuousClock.now
                let status = try await client.send(ControlEndpoints.Status.self, .init(), query: .init(), body: .init())
                let statusSeconds = Self.seconds(since: start)
                #expect(health.status == .ok && status.status == .ok)
                // Main before the fix: ~9.5 s each (the pool's threads sat in SQLite's busy wait until the 10 s
                // busy timeout failed the first write).
                #expect(healthSeconds < 5, "health took \(healthSeconds) s while \(slow) writes waited")
                #expect(statusSeconds < 5, "status took \(statusSeconds) s while \(slow) writes waited")

                var answers: [Answer] = []
                for try await answer in group { answers.append(answer) }
                // Main before the fix: the time limit waited for the write, so the requests failed after 10 s and
                // 20 s with "database is locked" instead.
                for answer in answers {
                    #expect(
                        answer.status == APIErrorCode.timeout.httpStatus, "a slow request answered \(answer.status)")
                    #expect(answer.seconds < 8, "a slow request answered after \(answer.seconds) s")
                }
            }
        }

        lock.release()
        // The writes ran on in their own threads: they commit once the lock is free (not lost, not half-applied).
        let deadline = ContinuousClock.now + .seconds(20)
        var stored: [String] = []
        while ContinuousClock.now < deadline {
            stored = try store.remotes().map(\.name).sorted()
            if stored.count == slow { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(stored == (0..<slow).map { "slow-\($0)" }.sorted())
    }

    struct Answer: Sendable {
        var status: Int
        var seconds: Double
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Holds SQLite's write lock on a database from another connection (`BEGIN IMMEDIATE`), on a thread of its own (it
/// blocks there, never on the cooperative pool), until `release`.
final class WriteLockHolder: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let once = Mutex(false)

    init(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        let (released, done) = (released, done)
        let thread = Thread {
            do {
                try queue.inDatabase { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    locked.signal()
                    released.wait()
                    try db.execute(sql: "ROLLBACK")
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
                locked.signal()
            }
            done.signal()
        }
        thread.start()
        locked.wait()
        if let failure = failure.withLock({ $0 }) { throw DaemonTestError("cannot lock \(path): \(failure)") }
    }

    /// Ends the transaction (once) and waits for the holder's thread to finish.
    func release() {
        guard
            once.withLock({ first in
                defer { first = true }
                return !first
            })
        else { return }
        released.signal()
        done.wait()
    }
}
