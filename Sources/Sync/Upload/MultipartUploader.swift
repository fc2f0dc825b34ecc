import Entities
import Foundation
import Hashing
import Logging
import Synchronization

/// Uploads one file range as a multipart object: bounded concurrency (parts as concurrent transfers of one libcurl
/// multi handle, see `PartSender`), bounded memory (parts are streamed from the file with `pread`), per-part
/// Content-MD5 + signed SHA-256, and a journal so an interrupted upload resumes from its finished parts (reconciled
/// with ListParts).
public struct MultipartUploader: Sendable {
    public var client: S3Client
    public var journal: (any MultipartJournal)?
    public var partSizeMinimum: Int64 = PartPlan.defaultMinimum
    public var concurrency: Int = 4
    /// Content-MD5 (default, ETag-verified) or x-amz-checksum-sha256 (one hash per part, less CPU).
    public var integrity: PartIntegrity = .contentMD5
    /// Observes bytes sent per part attempt (tests use it to interrupt a transfer mid-part).
    public var partProgress: (@Sendable (_ part: Int, _ sent: Int64) -> Void)?

    public init(
        client: S3Client, journal: (any MultipartJournal)?, partSizeMinimum: Int64 = PartPlan.defaultMinimum,
        concurrency: Int = 4
    ) {
        self.client = client
        self.journal = journal
        self.partSizeMinimum = partSizeMinimum
        self.concurrency = max(1, concurrency)
    }

    /// Identifies the remote in the journal (endpoint + bucket).
    var remoteID: String { "\(client.config.endpoint)/\(client.config.bucket)" }

    /// Uploads `length` bytes of `file` from `offset` to `key`. `sha256Hex` is the content's SHA-256 (stored as
    /// `x-amz-meta-sha256` and used to recognise a journaled upload of the same content). Returns the object ETag.
    public func upload(
        file: OpenFile, offset: Int64 = 0, length: Int64, sha256Hex: String, key: String,
        metadata: [String: String] = [:], ifNoneMatch: Bool = false, budget: RetryBudget? = nil,
        cancel: CancellationFlag? = nil, progress: SyncProgress? = nil
    ) throws(SyncError) -> String {
        let partSize = try PartPlan.partSize(forSize: length, minimum: partSizeMinimum)
        let count = PartPlan.partCount(size: length, partSize: partSize)
        var done = try resume(
            key: key, length: length, sha256Hex: sha256Hex, partSize: partSize, file: file,
            offset: offset, budget: budget)
        let uploadID: String
        if let (id, parts) = done {
            uploadID = id
            client.logger.debug(
                "resuming multipart upload",
                metadata: [
                    "s3.key": "\(key)", "s3.parts_done": "\(parts.count)", "s3.parts": "\(count)",
                ])
        } else {
            var meta = metadata
            meta["sha256"] = sha256Hex
            uploadID = try client.createMultipartUpload(
                key: key, metadata: meta, checksumSHA256: integrity == .checksumSHA256, budget: budget)
            try journalDo {
                try $0.begin(
                    JournaledUpload(
                        remote: remoteID, key: key, uploadID: uploadID, partSize: partSize, size: length,
                        sha256: sha256Hex,
                        integrity: self.integrity.rawValue))
            }
            done = (uploadID, [:])
        }
        var finished = done?.1 ?? [:]
        var checksums: [Int: String] = [:]
        let alreadyBytes = finished.keys.reduce(Int64(0)) {
            $0 + PartPlan.range(part: $1, size: length, partSize: partSize).length
        }
        progress?.addSkipped(alreadyBytes)
        let todo = (1...count).filter { finished[$0] == nil }.map { n in
            let r = PartPlan.range(part: n, size: length, partSize: partSize)
            return PartSender.Part(number: n, offset: offset + r.offset, length: r.length)
        }
        let sender = PartSender(
            client: client, file: file, key: key, uploadID: uploadID, integrity: integrity, concurrency: concurrency,
            budget: budget, cancel: cancel, partProgress: partProgress, progress: progress)
        do {
            try sender.send(todo) { (info, part) throws(SyncError) in
                do {
                    try journal?.recordPart(
                        uploadID: uploadID, partNumber: info.partNumber, etag: info.etag, size: part.length)
                } catch {
                    throw .journal("\(error)")
                }
                finished[info.partNumber] = info.etag
                if let c = info.checksumSHA256 { checksums[info.partNumber] = c }
            }
        } catch {
            // Permanent failures abort the upload; transient ones keep it for the next attempt (resume).
            if !error.isRetryable && error.errorClass != .cancelled {
                if case .budgetExhausted = error {
                } else {
                    try? client.abortMultipartUpload(key: key, uploadID: uploadID, budget: budget)
                    try? journal?.finish(remote: remoteID, key: key, uploadID: uploadID)
                }
            }
            throw error
        }
        if cancel?.isCancelled == true { throw .cancelled }
        var parts: [PartInfo] = []
        for (n, etag) in finished {
            let r = PartPlan.range(part: n, size: length, partSize: partSize)
            var checksum: String?
            if integrity == .checksumSHA256 {
                // Parts finished before a resume: recompute their checksum from the file.
                if let known = checksums[n] {
                    checksum = known
                } else {
                    let sha = try file.sha256Bytes(offset: offset + r.offset, length: r.length)
                    checksum = Data(sha).base64EncodedString()
                }
            }
            parts.append(PartInfo(partNumber: n, etag: etag, size: r.length, checksumSHA256: checksum))
        }
        let etag = try client.completeMultipartUpload(
            key: key, uploadID: uploadID, parts: parts, ifNoneMatch: ifNoneMatch, budget: budget)
        try journalDo { try $0.finish(remote: remoteID, key: key, uploadID: uploadID) }
        return etag
    }

    /// A journaled upload of the same content with the same part size, reconciled with ListParts: a part counts as
    /// done when the server lists it with the ETag we journaled, or (if we died before journaling it) with the MD5
    /// of our local bytes for that part.
    private func resume(
        key: String, length: Int64, sha256Hex: String, partSize: Int64, file: OpenFile, offset: Int64,
        budget: RetryBudget?
    ) throws(SyncError) -> (String, [Int: String])? {
        guard let journal else { return nil }
        let entry: JournaledUpload?
        do { entry = try journal.upload(remote: remoteID, key: key) } catch { throw .journal("\(error)") }
        guard let entry else { return nil }
        guard entry.sha256 == sha256Hex, entry.size == length, entry.partSize == partSize,
            entry.integrity == integrity.rawValue
        else {
            // The file changed since: abort the old upload and start over.
            try? client.abortMultipartUpload(key: key, uploadID: entry.uploadID, budget: budget)
            try journalDo { try $0.finish(remote: remoteID, key: key, uploadID: entry.uploadID) }
            return nil
        }
        let listed: [PartInfo]
        do { listed = try client.listParts(key: key, uploadID: entry.uploadID, budget: budget) } catch {
            if error.errorClass == .notFound {
                try journalDo { try $0.finish(remote: remoteID, key: key, uploadID: entry.uploadID) }
                return nil
            }
            throw error
        }
        var done: [Int: String] = [:]
        for p in listed {
            let expectedLength = PartPlan.range(part: p.partNumber, size: length, partSize: partSize).length
            guard p.partNumber >= 1, p.partNumber <= PartPlan.partCount(size: length, partSize: partSize),
                p.size == expectedLength || p.size == 0
            else { continue }
            if let journaled = entry.parts[p.partNumber], journaled == p.etag {
                done[p.partNumber] = p.etag
            } else {
                let r = PartPlan.range(part: p.partNumber, size: length, partSize: partSize)
                let md5 = try file.digests(offset: offset + r.offset, length: r.length).md5
                if Digest.hex(md5) == p.etag { done[p.partNumber] = p.etag }
            }
        }
        return (entry.uploadID, done)
    }

    private func journalDo(_ body: (any MultipartJournal) throws -> Void) throws(SyncError) {
        guard let journal else { return }
        do { try body(journal) } catch { throw .journal("\(error)") }
    }
}
