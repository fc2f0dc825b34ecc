import Foundation
import Hashing
import Systems

/// What one pull did.
public struct PullReport: Sendable, Equatable {
    public var checkpoint: String
    public var files: Int
    public var totalBytes: Int64
    public var bytesDownloaded: Int64
    /// Files already present and verified, or blobs already fetched by an interrupted pull.
    public var bytesReused: Int64
}

extension CheckpointSync {
    public func pull(
        name: String, into directory: String, progress: SyncProgress? = nil, cancel: CancellationFlag? = nil
    )
        async throws(SyncError) -> PullReport
    {
        let me = self
        return try await Blocking.run(name: "transtok.sync.pull") { () throws(SyncError) -> PullReport in
            try me.pullBlocking(name: name, into: directory, progress: progress, cancel: cancel)
        }
    }

    /// Downloads and verifies a published checkpoint into `directory`. Blobs are fetched with ranged GETs into
    /// `directory/.transtok-pull/`, so an interrupted pull continues where it stopped; each blob and each file is
    /// checked against the manifest's SHA-256 before it is renamed into place.
    public func pullBlocking(
        name: String, into directory: String, progress: SyncProgress? = nil, cancel: CancellationFlag? = nil
    ) throws(SyncError) -> PullReport {
        let budget = RetryBudget(client.retry.syncBudget)
        let manifestKey = config.key(RemoteLayout.manifest(name))
        let bytes: [UInt8]
        do { bytes = try client.getObject(key: manifestKey, budget: budget) } catch {
            if error.errorClass == .notFound {
                throw .http(
                    operation: "Pull", key: manifestKey, status: 404, code: "NoSuchKey",
                    message: "checkpoint \(name) is not published on this remote", requestID: nil)
            }
            throw error
        }
        let manifest = try CheckpointManifest.decode(bytes)
        let staging = directory + "/.transtok-pull"
        try makeDirectory(staging)
        var report = PullReport(
            checkpoint: name, files: manifest.files.count, totalBytes: manifest.totalBytes,
            bytesDownloaded: 0, bytesReused: 0)
        progress?.setTotal(manifest.totalBytes)

        // Which blobs are needed (files already in place and verified are skipped).
        var needed: [String: Int64] = [:]
        var toBuild: [CheckpointManifest.File] = []
        for f in manifest.files {
            let target = directory + "/" + f.path
            if let existing = try? OpenFile(path: target), existing.size == f.size,
                (try? existing.sha256(offset: 0, length: f.size)) == f.sha256
            {
                report.bytesReused += f.size
                progress?.addSkipped(f.size)
                continue
            }
            toBuild.append(f)
            for c in f.chunks { needed[c.sha256] = c.size }
        }

        let pending = Locked(Array(needed))
        let firstError = Locked<SyncError?>(nil)
        let totals = Locked((downloaded: Int64(0), reused: Int64(0)))
        let stop = CancellationFlag()
        let me = self
        Blocking.parallel(max(1, min(options.concurrency, needed.count)), name: "transtok.sync.get") { _ in
            while let (hash, size) = pending.withLock({ $0.popLast() }) {
                if stop.isCancelled || cancel?.isCancelled == true { return }
                switch me.fetchBlob(hash: hash, size: size, staging: staging, budget: budget, cancel: cancel) {
                case .success(let got):
                    totals.withLock {
                        $0.downloaded += got
                        $0.reused += size - got
                    }
                    progress?.addUploaded(got)
                    progress?.addSkipped(size - got)
                case .failure(let e):
                    firstError.withLock { if $0 == nil { $0 = e } }
                    stop.cancel()
                    return
                }
            }
        }
        if let e = firstError.value { throw e }
        if cancel?.isCancelled == true { throw .cancelled }
        report.bytesDownloaded = totals.value.downloaded
        report.bytesReused += totals.value.reused

        for f in toBuild { try assemble(f, directory: directory, staging: staging) }
        try? FileManager.default.removeItem(atPath: staging)
        return report
    }

    /// Downloads one blob to `staging/<hash>` (resuming a `.part` with a ranged GET), verifies it, returns bytes
    /// fetched now.
    private func fetchBlob(hash: String, size: Int64, staging: String, budget: RetryBudget, cancel: CancellationFlag?)
        -> Result<Int64, SyncError>
    {
        let final = staging + "/" + hash
        if FileManager.default.fileExists(atPath: final) { return .success(0) }
        let partial = final + ".part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failure(.io(path: partial, message: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var have = Int64(lseek(fd, 0, SEEK_END))
        if have > size {
            ftruncate(fd, 0)
            have = 0
        }
        var fetched: Int64 = 0
        let key = config.key(RemoteLayout.blob(hash))
        do {
            if have < size {
                fetched = try client.download(
                    key: key, from: have, into: fd, fileOffset: have, budget: budget, cancel: cancel)
            }
            fsync(fd)
            let file = try OpenFile(path: partial)
            guard file.size == size, try file.sha256(offset: 0, length: size) == hash else {
                unlink(partial)
                return .failure(.integrity("blob \(hash) downloaded with the wrong content (size \(file.size))"))
            }
            guard rename(partial, final) == 0 else {
                return .failure(.io(path: final, message: String(cString: strerror(errno))))
            }
            return .success(fetched)
        } catch {
            return .failure(error)
        }
    }

    /// Writes `f` from its verified blobs through `DurableFile` (temporary file, fsync, rename, directory fsync):
    /// the target is either untouched or complete and matching the manifest, and no temporary file is left.
    private func assemble(_ f: CheckpointManifest.File, directory: String, staging: String) throws(SyncError) {
        let target = directory + "/" + f.path
        try makeDirectory((target as NSString).deletingLastPathComponent)
        var failure: SyncError?
        do {
            try DurableFile.write(to: target) { (fd) throws(DurableFileError) in
                var whole = SHA256Hasher()
                var writeError: DurableFileError?
                for c in f.chunks {
                    do throws(SyncError) {
                        let blob = try OpenFile(path: staging + "/" + c.sha256)
                        try blob.read(offset: 0, length: c.size) { buf in
                            guard writeError == nil else { return }
                            whole.update(buf)
                            do throws(DurableFileError) { try DurableFile.writeAll(fd, buf, path: target) } catch {
                                writeError = error
                            }
                        }
                    } catch {
                        failure = error
                    }
                    if let writeError { throw writeError }
                    if failure != nil { throw DurableFileError(.write, path: target, code: EIO) }
                }
                guard Digest.hex(whole.finalize()) == f.sha256 else {
                    failure = .integrity("\(f.path): reassembled file does not match the manifest's SHA-256")
                    throw DurableFileError(.write, path: target, code: EIO)
                }
            }
        } catch {
            throw failure ?? .io(path: target, message: error.description)
        }
    }

    private func makeDirectory(_ path: String) throws(SyncError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .io(path: path, message: "\(error)")
        }
    }
}
