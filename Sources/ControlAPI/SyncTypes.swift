import Foundation

/// `GET /v1/sync` and `POST /v1/sync` reply: per workspace with a remote, what its upload worker is doing.
/// Never a credential.
public struct SyncStatusResponse: Codable, Sendable, Equatable {
    public var workspaces: [String: WorkspaceSync]

    public init(workspaces: [String: WorkspaceSync]) { self.workspaces = workspaces }

    public struct WorkspaceSync: Codable, Sendable, Equatable {
        /// Checkpoint names waiting to be uploaded, oldest first.
        public var queued: [String]
        public var inFlight: InFlight?
        public var lastPublished: String?
        public var lastPublishedAt: Date?
        /// Bytes the last publish sent, and that checkpoint's size.
        public var lastBytesUploaded: Int64?
        public var lastTotalBytes: Int64?
        public var lastError: LastError?
        /// Queued checkpoints waiting out a backoff after a failure.
        public var retrying: [Retry]?

        public init(
            queued: [String], inFlight: InFlight?, lastPublished: String?, lastPublishedAt: Date?,
            lastBytesUploaded: Int64?, lastTotalBytes: Int64?, lastError: LastError?, retrying: [Retry]? = nil
        ) {
            self.queued = queued
            self.inFlight = inFlight
            self.lastPublished = lastPublished
            self.lastPublishedAt = lastPublishedAt
            self.lastBytesUploaded = lastBytesUploaded
            self.lastTotalBytes = lastTotalBytes
            self.lastError = lastError
            self.retrying = retrying
        }
    }

    /// A checkpoint whose publication failed and will be tried again.
    public struct Retry: Codable, Sendable, Equatable {
        public var checkpoint: String
        /// Failed attempts so far.
        public var failures: Int
        public var nextAttemptAt: Date
        public init(checkpoint: String, failures: Int, nextAttemptAt: Date) {
            self.checkpoint = checkpoint
            self.failures = failures
            self.nextAttemptAt = nextAttemptAt
        }
    }

    public struct InFlight: Codable, Sendable, Equatable {
        public var checkpoint: String
        public var progress: Progress
        public init(checkpoint: String, progress: Progress) {
            self.checkpoint = checkpoint
            self.progress = progress
        }
    }

    public struct Progress: Codable, Sendable, Equatable {
        public var totalBytes: Int64
        public var uploadedBytes: Int64
        public var skippedBytes: Int64
        public var bytesPerSecond: Double
        public var etaSeconds: Double?
        public var currentFile: String?

        public init(
            totalBytes: Int64, uploadedBytes: Int64, skippedBytes: Int64, bytesPerSecond: Double, etaSeconds: Double?,
            currentFile: String?
        ) {
            self.totalBytes = totalBytes
            self.uploadedBytes = uploadedBytes
            self.skippedBytes = skippedBytes
            self.bytesPerSecond = bytesPerSecond
            self.etaSeconds = etaSeconds
            self.currentFile = currentFile
        }

        /// Uploaded or skipped (already on the remote), as a fraction of the checkpoint.
        public var fraction: Double {
            Double(uploadedBytes + skippedBytes) / Double(max(1, totalBytes))
        }
    }

    public struct LastError: Codable, Sendable, Equatable {
        public var checkpoint: String
        public var message: String
        /// `retryable`, `auth`, `validation`, …
        public var kind: String
        public var at: Date
        public init(checkpoint: String, message: String, kind: String, at: Date) {
            self.checkpoint = checkpoint
            self.message = message
            self.kind = kind
            self.at = at
        }
    }
}
