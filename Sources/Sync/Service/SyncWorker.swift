import Foundation
import Logging
import Systems

/// Publishes queued checkpoints one at a time in the background, then applies remote retention and cleans stale
/// multipart uploads. The daemon enqueues checkpoint directories as they are written and polls `status()`.
///
/// - Failures: a checkpoint that failed is retried after a capped exponential backoff with jitter (`Policy.backoff`),
///   for as long as it takes, unless a newer checkpoint is enqueued (it supersedes the failed one) or its directory
///   is gone. With a `queueJournal` the queue and each entry's failures and next attempt time are stored, so a
///   restart neither forgets a failed checkpoint nor resets its backoff.
/// - Cancellation (daemon shutdown): the upload in flight stops at a part boundary, parts on the wire are aborted,
///   finished parts stay in the multipart journal and the checkpoint stays queued, so the next start resumes it.
/// - Credentials are read again at the start of each job (and by the client after an authentication failure).
public final class SyncWorker: Sendable {
    public struct Policy: Sendable {
        public var backoff = PublishBackoff()
        /// Keep the newest N checkpoints on the remote (nil: never delete).
        public var keepLast: Int?
        public var minBlobAge: TimeInterval = 24 * 3600
        public var staleUploadAge: TimeInterval = 24 * 3600
        public init() {}
    }

    private struct State: Sendable {
        /// In enqueue order; the journal mirrors it.
        var queue: [PendingPublish] = []
        var inFlight: (name: String, progress: SyncProgress)?
        var status = SyncStatus(queued: [])
        var waiter: CheckedContinuation<Void, Never>?
        /// Bumped by every enqueue, so a wait that starts after one does not miss it.
        var generation = 0
    }

    public let sync: CheckpointSync
    public let policy: Policy
    /// The destination this worker's queue belongs to in the journal: endpoint, bucket and prefix.
    public let scope: String
    private let queueJournal: (any PublishQueueJournal)?
    private let state = Locked(State())
    private let logger: Logger

    public init(
        sync: CheckpointSync, policy: Policy = Policy(), queueJournal: (any PublishQueueJournal)? = nil,
        logger: Logger = Logger(label: "transtok.sync")
    ) {
        self.sync = sync
        self.policy = policy
        self.queueJournal = queueJournal
        self.logger = logger
        let c = sync.client.config
        scope = "\(c.endpoint)/\(c.bucket)/\(c.prefix)"
        if let queueJournal {
            do {
                let restored = try queueJournal.pending(scope: scope)
                state.withLock { $0.queue = restored }
                if !restored.isEmpty {
                    logger.info(
                        "sync queue restored",
                        metadata: [
                            "sync.queued": "\(restored.map(\.checkpoint).joined(separator: ","))"
                        ])
                }
            } catch {
                logger.error("cannot read the sync queue; starting empty", metadata: ["sync.error": "\(error)"])
            }
        }
    }

    /// Queues a checkpoint directory. Ignored if the same name is queued or in flight (a queued entry keeps its
    /// retry state); queued entries that already failed are superseded by it and dropped.
    public func enqueue(directory: String, name: String) {
        let (added, superseded, waiter) = state.withLock {
            s -> (PendingPublish?, [PendingPublish], CheckedContinuation<Void, Never>?) in
            if s.inFlight?.name == name || s.queue.contains(where: { $0.checkpoint == name }) { return (nil, [], nil) }
            let superseded = s.queue.filter { $0.failures > 0 }
            s.queue.removeAll { $0.failures > 0 }
            let entry = PendingPublish(scope: scope, checkpoint: name, directory: directory)
            s.queue.append(entry)
            s.generation += 1
            defer { s.waiter = nil }
            return (entry, superseded, s.waiter)
        }
        for old in superseded {
            logger.info(
                "failed checkpoint superseded by a newer one; not retrying it",
                metadata: [
                    "sync.checkpoint": "\(old.checkpoint)", "sync.newer": "\(name)", "sync.failures": "\(old.failures)",
                ])
            journal { try $0.remove(scope: old.scope, checkpoint: old.checkpoint) }
        }
        if let added { journal { try $0.save(added) } }
        waiter?.resume()
    }

    public func status() -> SyncStatus {
        state.withLock { s in
            var st = s.status
            st.queued = s.queue.map(\.checkpoint)
            st.inFlight = s.inFlight.map { SyncStatus.InFlight(checkpoint: $0.name, progress: $0.progress.snapshot()) }
            let retrying = s.queue.filter { $0.failures > 0 }.map {
                SyncStatus.Retry(checkpoint: $0.checkpoint, failures: $0.failures, nextAttemptAt: $0.notBefore)
            }
            st.retrying = retrying.isEmpty ? nil : retrying
            return st
        }
    }

    /// Processes the queue (waiting out backoffs) until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let (job, nextAt, generation) = state.withLock { s -> (PendingPublish?, Date?, Int) in
                let now = Date()
                if let i = s.queue.firstIndex(where: { $0.notBefore <= now }) { return (s.queue[i], nil, s.generation) }
                return (nil, s.queue.map(\.notBefore).min(), s.generation)
            }
            if let job {
                await process(job)
            } else {
                await waitForWork(until: nextAt, since: generation)
            }
        }
    }

    /// Publishes every queued checkpoint that is due now, once each, then returns (one-shot use and tests).
    public func drain() async {
        let due = state.withLock { s in s.queue.filter { $0.notBefore <= Date() } }
        for job in due where !Task.isCancelled {
            let stillQueued = state.withLock { s in s.queue.first { $0.checkpoint == job.checkpoint } }
            if let stillQueued { await process(stillQueued) }
        }
    }

    private func process(_ job: PendingPublish) async {
        let progress = SyncProgress()
        state.withLock { $0.inFlight = (job.checkpoint, progress) }
        defer { state.withLock { $0.inFlight = nil } }
        sync.client.refreshCredentials()
        let cancel = CancellationFlag()
        let sync = self.sync
        let result: Result<PublishReport, SyncError> = await withTaskCancellationHandler {
            do throws(SyncError) {
                return .success(
                    try await sync.publish(
                        directory: job.directory, name: job.checkpoint, progress: progress, cancel: cancel))
            } catch {
                return .failure(error)
            }
        } onCancel: {
            cancel.cancel()
        }
        do throws(SyncError) {
            let report = try result.get()
            state.withLock {
                $0.queue.removeAll { $0.checkpoint == job.checkpoint }
                $0.status.lastPublished = job.checkpoint
                $0.status.lastPublishedAt = Date()
                $0.status.lastBytesUploaded = report.bytesUploaded
                $0.status.lastTotalBytes = report.totalBytes
            }
            journal { try $0.remove(scope: job.scope, checkpoint: job.checkpoint) }
            await maintain()
        } catch {
            if error == .cancelled || cancel.isCancelled {
                // Shutdown: the entry stays queued (and journaled) as it was; finished parts are in the journal.
                logger.info(
                    "sync interrupted; it resumes at the next start", metadata: ["sync.checkpoint": "\(job.checkpoint)"]
                )
                return
            }
            record(error, checkpoint: job.checkpoint)
            failed(job, error)
        }
    }

    /// Schedules the next attempt of `job`, or drops it when retrying cannot help or a newer checkpoint is queued.
    private func failed(_ job: PendingPublish, _ error: SyncError) {
        let gone = !FileManager.default.fileExists(atPath: job.directory)
        let conflict = error.errorClass == .conflict
        var entry = job
        entry.failures += 1
        let wait = policy.backoff.delay(afterFailures: entry.failures)
        entry.notBefore = Date().addingTimeInterval(wait)
        entry.lastError = error.description
        enum Outcome { case retry, alreadyGone, dropped(why: String) }
        let outcome = state.withLock { s -> Outcome in
            guard let i = s.queue.firstIndex(where: { $0.checkpoint == job.checkpoint }) else { return .alreadyGone }
            let why: String? =
                gone
                ? "its directory no longer exists"
                : conflict
                    ? "the remote holds another checkpoint of that name"
                    : i + 1 < s.queue.count ? "a newer checkpoint is queued" : nil
            if let why {
                s.queue.remove(at: i)
                return .dropped(why: why)
            }
            s.queue[i] = entry
            return .retry
        }
        switch outcome {
        case .retry:
            logger.warning(
                "sync failed; retrying later",
                metadata: [
                    "sync.checkpoint": "\(job.checkpoint)", "sync.failures": "\(entry.failures)",
                    "sync.retry_in_s": "\(String(format: "%.1f", wait))",
                    "sync.error_kind": "\(error.errorClass.rawValue)",
                ])
            journal { try $0.save(entry) }
        case .alreadyGone:
            // Superseded while in flight (enqueue removed it).
            journal { try $0.remove(scope: job.scope, checkpoint: job.checkpoint) }
        case .dropped(let why):
            logger.warning("sync failed; not retrying: \(why)", metadata: ["sync.checkpoint": "\(job.checkpoint)"])
            journal { try $0.remove(scope: job.scope, checkpoint: job.checkpoint) }
        }
    }

    /// Waits until something is enqueued (after `generation`), `deadline` passes, or the task is cancelled.
    private func waitForWork(until deadline: Date?, since generation: Int) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForEnqueue(since: generation) }
            if let deadline {
                group.addTask { try? await Task.sleep(for: .seconds(max(0.001, deadline.timeIntervalSinceNow))) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForEnqueue(since generation: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if Task.isCancelled || s.generation != generation { return true }
                    s.waiter?.resume() // a stale waiter of an earlier wait (cannot happen with one run loop)
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            w?.resume()
        }
    }

    private func maintain() async {
        let sync = self.sync, policy = self.policy
        do {
            try await Blocking.run(name: "transtok.sync.retention") { () throws(SyncError) in
                if let keep = policy.keepLast {
                    _ = try sync.applyRetention(keepLast: keep, minBlobAge: policy.minBlobAge)
                }
                _ = try sync.abortStaleUploads(olderThan: policy.staleUploadAge)
            }
        } catch {
            record(error, checkpoint: "(retention)")
        }
    }

    private func record(_ error: SyncError, checkpoint: String) {
        logger.warning("sync failed", metadata: ["sync.checkpoint": "\(checkpoint)", "sync.error": "\(error)"])
        state.withLock {
            $0.status.lastError = .init(
                checkpoint: checkpoint, message: error.description, kind: error.errorClass.rawValue, at: Date())
            $0.status.errorCounts = ($0.status.errorCounts ?? [:]).merging(
                [error.errorClass.rawValue: 1], uniquingKeysWith: +)
        }
    }

    /// Writes to the queue journal; a failure is logged (the in-memory queue still works until the next start).
    private func journal(_ body: (any PublishQueueJournal) throws -> Void) {
        guard let queueJournal else { return }
        do { try body(queueJournal) } catch {
            logger.error("cannot write the sync queue", metadata: ["sync.error": "\(error)"])
        }
    }
}
