import Foundation

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
    /// A checkpoint whose publication failed and will be tried again.
    public struct Retry: Sendable, Equatable, Codable {
        public var checkpoint: String
        /// Failed attempts so far.
        public var failures: Int
        public var nextAttemptAt: Date
    }
    public var queued: [String]
    public var inFlight: InFlight?
    public var lastPublished: String?
    public var lastPublishedAt: Date?
    /// Bytes the last publish sent, and the checkpoint's size.
    public var lastBytesUploaded: Int64?
    public var lastTotalBytes: Int64?
    public var lastError: LastError?
    /// Queued checkpoints waiting out a backoff after a failure.
    public var retrying: [Retry]?
    /// Failed attempts since this worker started, by error class (`retryable`, `auth`, …), for the metrics.
    public var errorCounts: [String: Int]?
}
