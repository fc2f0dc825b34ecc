import Foundation

/// A multipart upload started and not finished: what a resume needs.
public struct JournaledUpload: Sendable, Equatable {
    /// Endpoint + bucket (see `MultipartUploader.remoteID`).
    public var remote: String
    public var key: String
    public var uploadID: String
    public var partSize: Int64
    public var size: Int64
    /// SHA-256 of the content being uploaded; other content means a new upload.
    public var sha256: String
    public var createdAt: Date
    /// How parts are checked (`contentMD5` or `checksumSHA256`); a resume must use the same.
    public var integrity: String
    /// Finished parts: number → ETag.
    public var parts: [Int: String]

    public init(
        remote: String, key: String, uploadID: String, partSize: Int64, size: Int64, sha256: String,
        createdAt: Date = Date(), integrity: String = "contentMD5", parts: [Int: String] = [:]
    ) {
        self.remote = remote
        self.key = key
        self.uploadID = uploadID
        self.partSize = partSize
        self.size = size
        self.sha256 = sha256
        self.createdAt = createdAt
        self.integrity = integrity
        self.parts = parts
    }
}

/// Where multipart uploads in flight and their finished parts are recorded, durably, so an interrupted upload
/// resumes without re-sending them. Blocking calls, made from the sync threads. The daemon's implementation lives
/// in its database (`SyncStore.GRDBSyncJournal`); Sync itself links no database.
public protocol MultipartJournal: Sendable {
    func upload(remote: String, key: String) throws -> JournaledUpload?
    /// Every upload of `remote` (to tell ours from stale ones when cleaning up).
    func uploadIDs(remote: String) throws -> Set<String>
    func begin(_ upload: JournaledUpload) throws
    func recordPart(uploadID: String, partNumber: Int, etag: String, size: Int64) throws
    /// Forgets an upload (completed or aborted) and its parts.
    func finish(remote: String, key: String, uploadID: String) throws
}

/// A checkpoint waiting to be published, with its retry state.
public struct PendingPublish: Sendable, Equatable {
    /// The destination (endpoint, bucket and prefix; see `SyncWorker.scope`).
    public var scope: String
    public var checkpoint: String
    public var directory: String
    /// Failed attempts so far.
    public var failures: Int
    /// Not before this time (backoff after a failure).
    public var notBefore: Date
    public var lastError: String?

    public init(
        scope: String, checkpoint: String, directory: String, failures: Int = 0, notBefore: Date = Date(),
        lastError: String? = nil
    ) {
        self.scope = scope
        self.checkpoint = checkpoint
        self.directory = directory
        self.failures = failures
        self.notBefore = notBefore
        self.lastError = lastError
    }
}

/// Where the worker keeps its queue and retry state, so a restart neither forgets a failed checkpoint nor resets
/// its backoff.
public protocol PublishQueueJournal: Sendable {
    /// Pending checkpoints of `scope`, oldest first.
    func pending(scope: String) throws -> [PendingPublish]
    /// Inserts or replaces the entry for (`scope`, `checkpoint`).
    func save(_ entry: PendingPublish) throws
    func remove(scope: String, checkpoint: String) throws
}
