import Foundation

public struct RetentionReport: Sendable, Equatable {
    public var kept: [String]
    public var deletedCheckpoints: [String]
    public var deletedBlobs: Int
    public var keptUnreferencedYoungBlobs: Int
}

extension CheckpointSync {
    /// Published checkpoint names, oldest first (numeric names compared as numbers).
    public func listCheckpoints() throws(SyncError) -> [String] {
        let base = config.key(RemoteLayout.checkpointPrefix)
        let names = try client.listObjects(prefix: base).compactMap { o -> String? in
            guard o.key.hasSuffix("/manifest.json") else { return nil }
            let rest = o.key.dropFirst(base.count).dropLast("/manifest.json".count)
            return rest.contains("/") || rest.isEmpty ? nil : String(rest)
        }
        return names.sorted { a, b in
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
    }

    public func manifest(_ name: String) throws(SyncError) -> CheckpointManifest {
        try CheckpointManifest.decode(client.getObject(key: config.key(RemoteLayout.manifest(name))))
    }

    /// Mirrors a keep-last-N policy: deletes the manifests of older checkpoints first (so no reader sees a
    /// manifest whose blobs are gone), then blobs no remaining manifest references. Blobs younger than
    /// `minBlobAge` are kept even if unreferenced: they may belong to a publish in progress.
    public func applyRetention(keepLast: Int, minBlobAge: TimeInterval = 24 * 3600) throws(SyncError) -> RetentionReport
    {
        guard keepLast >= 1 else { throw .invalidConfiguration("keepLast must be at least 1") }
        let all = try listCheckpoints()
        let kept = Array(all.suffix(keepLast))
        let dropped = Array(all.dropLast(keepLast))
        var referenced = Set<String>()
        for name in kept { referenced.formUnion(try manifest(name).blobHashes) }
        for name in dropped { try client.deleteObject(key: config.key(RemoteLayout.manifest(name))) }
        let blobBase = config.key(RemoteLayout.blobPrefix)
        var deleted = 0
        var young = 0
        let now = Date()
        for o in try client.listObjects(prefix: blobBase) {
            let hash = String(o.key.dropFirst(blobBase.count))
            if referenced.contains(hash) { continue }
            if let lm = o.lastModified, now.timeIntervalSince(lm) < minBlobAge {
                young += 1
                continue
            }
            try client.deleteObject(key: o.key)
            deleted += 1
        }
        return RetentionReport(
            kept: kept, deletedCheckpoints: dropped, deletedBlobs: deleted, keptUnreferencedYoungBlobs: young)
    }

    /// Aborts multipart uploads under our prefix that the journal does not know and that started more than
    /// `olderThan` seconds ago (left behind by a crash before journaling, or by another machine). Returns their keys.
    public func abortStaleUploads(olderThan: TimeInterval = 3600) throws(SyncError) -> [String] {
        let ours: Set<String>
        do {
            ours = try journal?.uploadIDs(remote: MultipartUploader(client: client, journal: nil).remoteID) ?? []
        } catch {
            throw .journal("\(error)")
        }
        let prefix = config.prefix.isEmpty ? "" : config.prefix + "/"
        var aborted: [String] = []
        let now = Date()
        for u in try client.listMultipartUploads(prefix: prefix) where !ours.contains(u.uploadID) {
            if let started = u.initiated, now.timeIntervalSince(started) < olderThan { continue }
            try client.abortMultipartUpload(key: u.key, uploadID: u.uploadID)
            aborted.append(u.key)
        }
        return aborted
    }
}
