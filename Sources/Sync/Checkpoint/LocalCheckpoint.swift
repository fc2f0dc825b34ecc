import Foundation
import Hashing

/// A checkpoint directory read and hashed: the manifest it would publish and where each blob's bytes are.
struct LocalCheckpoint {
    struct BlobSource {
        var file: OpenFile
        var span: ChunkSpan
    }

    var manifest: CheckpointManifest
    /// One source per distinct blob hash.
    var blobs: [String: BlobSource]
    var files: [OpenFile]

    /// Regular files below `directory` (hidden names and `*.tmp` skipped), sorted; symlinks are not followed.
    static func listFiles(_ directory: String) throws(SyncError) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: directory) else {
            throw .io(path: directory, message: "cannot list directory")
        }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") || name.hasSuffix(".tmp") {
                if (e.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { e.skipDescendants() }
                continue
            }
            if (e.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { out.append(rel) }
        }
        return out.sorted()
    }

    static func scan(
        directory: String, name: String, policy: ChunkingPolicy, cache: ChunkDigestCache? = nil,
        cancel: CancellationFlag? = nil
    ) throws(SyncError) -> LocalCheckpoint {
        var files: [CheckpointManifest.File] = []
        var blobs: [String: BlobSource] = [:]
        var open: [OpenFile] = []
        for rel in try listFiles(directory) {
            if cancel?.isCancelled == true { throw .cancelled }
            let file = try OpenFile(path: directory + "/" + rel)
            open.append(file)
            let key = cache?.key(for: file, policy: policy)
            let digests: ChunkDigestCache.Entry
            if let key, let known = cache?.entry(key) {
                digests = known
            } else {
                digests = try hash(file, policy: policy, cancel: cancel)
                cache?.countHashed(file.size)
                if let key { cache?.remember(digests, for: key) }
            }
            var chunks: [CheckpointManifest.Chunk] = []
            for (span, hex) in zip(digests.spans, digests.chunkDigests) {
                chunks.append(.init(sha256: hex, size: span.length))
                if blobs[hex] == nil { blobs[hex] = BlobSource(file: file, span: span) }
            }
            files.append(.init(path: rel, size: file.size, sha256: digests.fileDigest, chunks: chunks))
        }
        guard !files.isEmpty else { throw .io(path: directory, message: "checkpoint directory has no files") }
        return LocalCheckpoint(manifest: CheckpointManifest(checkpoint: name, files: files), blobs: blobs, files: open)
    }

    /// Cuts `file` into chunks and hashes each chunk and the whole file in one read (stops between chunks once
    /// `cancel` is set).
    private static func hash(
        _ file: OpenFile, policy: ChunkingPolicy, cancel: CancellationFlag?
    ) throws(SyncError) -> ChunkDigestCache.Entry {
        let spans = try Chunker.spans(for: file, policy: policy)
        var whole = SHA256Hasher()
        var digests: [String] = []
        for span in spans {
            if cancel?.isCancelled == true { throw .cancelled }
            var h = SHA256Hasher()
            try file.read(offset: span.offset, length: span.length) { buf in
                h.update(buf)
                whole.update(buf)
            }
            digests.append(Digest.hex(h.finalize()))
        }
        return ChunkDigestCache.Entry(spans: spans, chunkDigests: digests, fileDigest: Digest.hex(whole.finalize()))
    }

    /// Fails if any file changed size or mtime since it was opened (the trainer still writing it).
    func checkUnchanged() throws(SyncError) {
        for f in files {
            var st = stat()
            guard stat(f.path, &st) == 0, Int64(st.st_size) == f.size else {
                throw .io(path: f.path, message: "file changed while syncing; will retry on the next sync")
            }
        }
    }
}
