import Entities
import Foundation
import Hashing
import Logging
import Systems

/// Options of a checkpoint sync.
public struct SyncOptions: Sendable {
    public var chunking = ChunkingPolicy()
    /// Blobs uploaded (or downloaded) at the same time.
    public var concurrency = 4
    /// Blobs larger than this go up as multipart uploads.
    public var multipartThreshold: Int64 = 64 << 20
    public var partSizeMinimum: Int64 = PartPlan.defaultMinimum
    /// Content-MD5 (ETags checked) or x-amz-checksum-sha256 (blobs need no hash beyond their SHA-256 key;
    /// multipart parts one SHA-256 each). Use the latter where the server verifies checksums. Nil: the remote's
    /// `partIntegrity` (`RemoteConfig`, from the remote's `part_integrity` setting).
    public var integrity: PartIntegrity?
    public init() {}
}

/// What one publish did.
public struct PublishReport: Sendable, Equatable {
    public var checkpoint: String
    public var files: Int
    public var totalBytes: Int64
    public var blobs: Int
    public var blobsUploaded: Int
    public var bytesUploaded: Int64
    /// The same manifest was already there (nothing to do).
    public var alreadyPublished: Bool
    public var retries: Int
}

/// Publishes checkpoint directories to, and pulls them from, a remote: content-addressed blobs under
/// `blobs/sha256/`, then the manifest last with `If-None-Match: *`. All methods block; use from a dedicated thread
/// or through the async wrappers.
public struct CheckpointSync: Sendable {
    public let client: S3Client
    public let journal: (any MultipartJournal)?
    public var options: SyncOptions
    /// Digests of read-only or hard-linked files (the daemon's base weights), shared by every copy of this value.
    public let digests = ChunkDigestCache()

    public init(client: S3Client, journal: (any MultipartJournal)?, options: SyncOptions = SyncOptions()) {
        self.client = client
        self.journal = journal
        self.options = options
    }

    var config: RemoteConfig { client.config }

    /// The options' integrity, else the remote's.
    public var integrity: PartIntegrity { options.integrity ?? client.config.partIntegrity }

    public func publish(
        directory: String, name: String, progress: SyncProgress? = nil, cancel: CancellationFlag? = nil
    ) async throws(SyncError) -> PublishReport {
        let me = self
        return try await Blocking.run(name: "transtok.sync.publish") { () throws(SyncError) -> PublishReport in
            try me.publishBlocking(directory: directory, name: name, progress: progress, cancel: cancel)
        }
    }

    public func publishBlocking(
        directory: String, name: String, progress: SyncProgress? = nil, cancel: CancellationFlag? = nil
    ) throws(SyncError) -> PublishReport {
        guard CheckpointManifest.isSafeRelativePath(name), !name.contains("/") else {
            throw .invalidConfiguration("checkpoint name \(name) must be a single path segment")
        }
        let budget = RetryBudget(client.retry.syncBudget)
        progress?.setCurrent("hashing \(name)")
        let local = try LocalCheckpoint.scan(
            directory: directory, name: name, policy: options.chunking, cache: digests, cancel: cancel)
        let manifestBytes = try local.manifest.encoded()
        let manifestKey = config.key(RemoteLayout.manifest(name))
        var report = PublishReport(
            checkpoint: name, files: local.manifest.files.count, totalBytes: local.manifest.totalBytes,
            blobs: local.blobs.count, blobsUploaded: 0, bytesUploaded: 0, alreadyPublished: false, retries: 0)
        progress?.setTotal(report.totalBytes)

        if let existing = try existingManifest(key: manifestKey, budget: budget) {
            guard existing == manifestBytes else {
                throw .http(
                    operation: "Publish", key: manifestKey, status: 412, code: "PreconditionFailed",
                    message: "a different checkpoint \(name) is already published", requestID: nil)
            }
            report.alreadyPublished = true
            progress?.addSkipped(report.totalBytes)
            return report
        }

        // Blobs, largest first so the long transfers start early.
        let pending = Locked(local.blobs.sorted { $0.value.span.length < $1.value.span.length })
        let firstError = Locked<SyncError?>(nil)
        let counters = Locked((uploaded: 0, bytes: Int64(0)))
        let stop = CancellationFlag()
        let me = self
        progress?.setCurrent("uploading \(name)")
        Blocking.parallel(max(1, min(options.concurrency, local.blobs.count)), name: "transtok.sync.blob") { _ in
            while let (hash, source) = pending.withLock({ $0.popLast() }) {
                if stop.isCancelled || cancel?.isCancelled == true { return }
                switch me.ensureBlob(hash: hash, source: source, budget: budget, cancel: cancel, progress: progress) {
                case .success(let uploaded):
                    if uploaded {
                        counters.withLock {
                            $0.uploaded += 1
                            $0.bytes += source.span.length
                        }
                    } else {
                        progress?.addSkipped(source.span.length)
                    }
                case .failure(let e):
                    firstError.withLock { if $0 == nil { $0 = e } }
                    stop.cancel()
                    return
                }
            }
        }
        if let e = firstError.value { throw e }
        if cancel?.isCancelled == true { throw .cancelled }
        try local.checkUnchanged()

        // Publish: the manifest last, refusing to overwrite.
        do {
            try client.putObject(
                key: manifestKey, bytes: manifestBytes, contentType: "application/json", ifNoneMatch: true,
                budget: budget)
        } catch {
            guard error.errorClass == .conflict,
                let existing = try existingManifest(key: manifestKey, budget: budget), existing == manifestBytes
            else { throw error }
        }
        let c = counters.value
        report.blobsUploaded = c.uploaded
        report.bytesUploaded = c.bytes
        report.retries = budget.retriesUsed
        client.logger.info(
            "published checkpoint",
            metadata: [
                "sync.checkpoint": "\(name)", "sync.bytes_uploaded": "\(c.bytes)",
                "sync.bytes_total": "\(report.totalBytes)",
            ])
        return report
    }

    private func existingManifest(key: String, budget: RetryBudget) throws(SyncError) -> [UInt8]? {
        do { return try client.getObject(key: key, budget: budget) } catch {
            if error.errorClass == .notFound { return nil }
            throw error
        }
    }

    /// Uploads the blob unless the remote already has it (HEAD). Returns whether bytes were sent.
    private func ensureBlob(
        hash: String, source: LocalCheckpoint.BlobSource, budget: RetryBudget, cancel: CancellationFlag?,
        progress: SyncProgress?
    ) -> Result<Bool, SyncError> {
        let key = config.key(RemoteLayout.blob(hash))
        do throws(SyncError) {
            if let info = try client.headObject(key: key, budget: budget), info.size == source.span.length {
                return .success(false)
            }
            let span = source.span
            if span.length > options.multipartThreshold {
                var up = MultipartUploader(
                    client: client, journal: journal, partSizeMinimum: options.partSizeMinimum, concurrency: 2)
                up.integrity = integrity
                _ = try up.upload(
                    file: source.file, offset: span.offset, length: span.length, sha256Hex: hash, key: key,
                    budget: budget, cancel: cancel, progress: progress)
            } else {
                // Byte-level progress; each attempt reports from zero, so a retried PUT is not counted twice.
                let transfer = progress?.beginTransfer()
                var sent: (@Sendable (Int64) -> Void)? = nil
                if let progress, let transfer { sent = { progress.transferSent(transfer, $0) } }
                do throws(SyncError) {
                    let body = RequestBody.file(fd: source.file.fd, offset: span.offset, length: span.length)
                    if integrity == .checksumSHA256, let sha = Self.bytes(hex: hash) {
                        try client.putObject(
                            key: key, body: body, sha256: sha, metadata: ["sha256": hash], budget: budget,
                            cancel: cancel, progress: sent)
                    } else {
                        let md5 = try source.file.digests(offset: span.offset, length: span.length).md5
                        try client.putObject(
                            key: key, body: body, sha256Hex: hash, contentMD5: md5, metadata: ["sha256": hash],
                            budget: budget, cancel: cancel, progress: sent)
                    }
                } catch {
                    if let transfer { progress?.endTransfer(transfer, uploaded: nil) }
                    throw error
                }
                if let transfer { progress?.endTransfer(transfer, uploaded: span.length) }
            }
            return .success(true)
        } catch {
            return .failure(error)
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let u = Array(hex.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let b = UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}
