import Foundation
import Logging

/// What the daemon shows for sync (`transtok sync status`, `status --watch`). Holds no secret.
public struct SyncStatus: Sendable, Equatable, Codable {
    public struct InFlight: Sendable, Equatable, Codable {
        public var checkpoint: String
        public var progress: SyncProgress.Snapshot
    }
    public struct LastError: Sendable, Equatable, Codable {
        public var checkpoint: String
        public var message: String
        /// `retryable`, `auth`, `validation`, …
        public var kind: String
        public var at: Date
    }
    public var queued: [String]
    public var inFlight: InFlight?
    public var lastPublished: String?
    public var lastPublishedAt: Date?
    /// Bytes the last publish sent, and the checkpoint's size.
    public var lastBytesUploaded: Int64?
    public var lastTotalBytes: Int64?
    public var lastError: LastError?
    /// Failed attempts since this worker started, by error class (`retryable`, `auth`, …), for the metrics.
    public var errorCounts: [String: Int] = [:]
}

/// Publishes queued checkpoints one at a time in the background, retrying whole syncs that failed for transient
/// reasons, then applies remote retention and cleans stale multipart uploads. The daemon enqueues checkpoint
/// directories as they are written and polls `status()`.
public final class SyncWorker: Sendable {
    public struct Policy: Sendable {
        /// Whole-sync attempts for retryable failures (each attempt has its own per-request retries).
        public var attempts = 3
        public var retryDelay: Double = 5
        /// Keep the newest N checkpoints on the remote (nil: never delete).
        public var keepLast: Int?
        public var minBlobAge: TimeInterval = 24 * 3600
        public var staleUploadAge: TimeInterval = 24 * 3600
        public init() {}
    }

    private struct Job: Sendable {
        var directory: String
        var name: String
    }

    private struct State: Sendable {
        var queue: [Job] = []
        var inFlight: (name: String, progress: SyncProgress)?
        var status = SyncStatus(queued: [])
        var waiter: CheckedContinuation<Void, Never>?
    }

    public let sync: CheckpointSync
    public let policy: Policy
    private let state = Locked(State())
    private let logger: Logger

    public init(sync: CheckpointSync, policy: Policy = Policy(), logger: Logger = Logger(label: "transtok.sync")) {
        self.sync = sync
        self.policy = policy
        self.logger = logger
    }

    /// Queues a checkpoint directory (ignored if the same name is already queued).
    public func enqueue(directory: String, name: String) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            if !s.queue.contains(where: { $0.name == name }) { s.queue.append(Job(directory: directory, name: name)) }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    public func status() -> SyncStatus {
        state.withLock { s in
            var st = s.status
            st.queued = s.queue.map(\.name)
            st.inFlight = s.inFlight.map { SyncStatus.InFlight(checkpoint: $0.name, progress: $0.progress.snapshot()) }
            return st
        }
    }

    /// Processes the queue until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            if let job = state.withLock({ s -> Job? in s.queue.isEmpty ? nil : s.queue.removeFirst() }) {
                await process(job)
                continue
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { s -> Bool in
                        if !s.queue.isEmpty || Task.isCancelled { return true }
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
    }

    /// Publishes everything queued now, then returns (one-shot use and tests).
    public func drain() async {
        while let job = state.withLock({ s -> Job? in s.queue.isEmpty ? nil : s.queue.removeFirst() }) {
            await process(job)
        }
    }

    private func process(_ job: Job) async {
        let progress = SyncProgress()
        state.withLock { $0.inFlight = (job.name, progress) }
        defer { state.withLock { $0.inFlight = nil } }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let report = try await sync.publish(directory: job.directory, name: job.name, progress: progress)
                state.withLock {
                    $0.status.lastPublished = job.name
                    $0.status.lastPublishedAt = Date()
                    $0.status.lastBytesUploaded = report.bytesUploaded
                    $0.status.lastTotalBytes = report.totalBytes
                }
                await maintain()
                return
            } catch {
                record(error, checkpoint: job.name)
                guard error.isRetryable || { if case .budgetExhausted = error { return true }; return false }(),
                    attempt < policy.attempts, !Task.isCancelled
                else { return }
                try? await Task.sleep(for: .seconds(policy.retryDelay * Double(attempt)))
            }
        }
    }

    private func maintain() async {
        let sync = self.sync, policy = self.policy
        do {
            try await Blocking.run(name: "transtok.sync.retention") { () throws(SyncError) in
                if let keep = policy.keepLast { _ = try sync.applyRetention(keepLast: keep, minBlobAge: policy.minBlobAge) }
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
            $0.status.errorCounts[error.errorClass.rawValue, default: 0] += 1
        }
    }
}
