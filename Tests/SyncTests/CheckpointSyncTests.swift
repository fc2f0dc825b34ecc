import Foundation
import Hashing
import SyncStore
import Testing

@testable import Sync

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct CheckpointSyncTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    func sync(_ remote: RemoteConfig, log: EventLog? = nil, journal: GRDBSyncJournal? = nil, target: Int64 = 128 << 10)
        -> CheckpointSync
    {
        var o = SyncOptions()
        o.chunking = ChunkingPolicy(targetSize: target)
        o.concurrency = 3
        o.partSizeMinimum = 5 << 20
        o.multipartThreshold = 6 << 20
        return CheckpointSync(client: env.client(remote, observer: log?.observer), journal: journal, options: o)
    }

    @Test func publishThenPullRoundTripsAndManifestIsWrittenLast() async throws {
        let src = TempDir(), dst = TempDir()
        CheckpointFixture().write(to: src.path)
        let remote = env.remote("publish")
        let log = EventLog()
        let progress = SyncProgress()
        let report = try await sync(remote, log: log).publish(directory: src.path, name: "000001", progress: progress)
        #expect(report.files == 3)
        #expect(report.bytesUploaded == report.totalBytes)
        #expect(progress.snapshot().uploadedBytes == report.totalBytes)
        let puts = log.all.filter { $0.operation == "PutObject" && $0.error == nil }
        #expect(puts.last?.key == remote.key("checkpoints/000001/manifest.json"))
        #expect(puts.dropLast().allSatisfy { $0.key.contains("/blobs/sha256/") })

        let pulled = try await sync(remote).pull(name: "000001", into: dst.path)
        #expect(pulled.bytesDownloaded == report.totalBytes)
        for name in ["config.json", "tokenizer.json", "model.safetensors"] {
            #expect(FileManager.default.contentsEqual(atPath: src.path + "/" + name, andPath: dst.path + "/" + name))
        }
        #expect(!FileManager.default.fileExists(atPath: dst.path + "/.transtok-pull"))
        // Files are written durably through temporary names; none is left behind.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dst.path).sorted()
                == ["config.json", "model.safetensors", "tokenizer.json"])
        // Pulling again reuses the verified files.
        let again = try await sync(remote).pull(name: "000001", into: dst.path)
        #expect(again.bytesDownloaded == 0)
    }

    @Test func checksumModePublishesAndPullsBack() async throws {
        let src = TempDir(), dst = TempDir()
        CheckpointFixture().write(to: src.path)
        _ = src.write("big.bin", testBytes(13 << 20, seed: 3))
        let remote = env.remote("cksmode")
        let log = EventLog()
        var s = sync(remote, log: log)
        s.options.integrity = .checksumSHA256
        s.options.chunking = .wholeFiles // big.bin (13 MiB) goes up as multipart, the small files as single PUTs
        let r = try await s.publish(directory: src.path, name: "1")
        #expect(r.bytesUploaded == r.totalBytes)
        #expect(log.count("UploadPart") >= 2)
        _ = try await sync(remote).pull(name: "1", into: dst.path)
        for name in ["model.safetensors", "big.bin"] {
            #expect(FileManager.default.contentsEqual(atPath: src.path + "/" + name, andPath: dst.path + "/" + name))
        }
    }

    @Test func secondSyncOfUnchangedCheckpointUploadsNothing() async throws {
        let src = TempDir()
        CheckpointFixture().write(to: src.path)
        let remote = env.remote("dedup")
        _ = try await sync(remote).publish(directory: src.path, name: "1")
        let log = EventLog()
        let same = try await sync(remote, log: log).publish(directory: src.path, name: "1")
        #expect(same.alreadyPublished)
        #expect(log.bytesSent() == 0)
        let log2 = EventLog()
        let copy = try await sync(remote, log: log2).publish(directory: src.path, name: "2")
        #expect(copy.bytesUploaded == 0)
        #expect(copy.blobsUploaded == 0)
        #expect(log2.count("PutObject") == 1) // only the new manifest
    }

    @Test func embeddingRefreshUploadsOnlyChangedChunks() async throws {
        let a = TempDir(), b = TempDir()
        let fixture = CheckpointFixture()
        fixture.write(to: a.path)
        fixture.write(to: b.path, refreshRows: 2000..<2050)
        let remote = env.remote("refresh")
        let first = try await sync(remote).publish(directory: a.path, name: "1")
        let second = try await sync(remote).publish(directory: b.path, name: "2")
        #expect(second.bytesUploaded > 0)
        #expect(second.bytesUploaded == 4 * (64 << 10)) // 2 chunks (128 rows each) of embed_tokens and lm_head
        #expect(Double(second.bytesUploaded) / Double(first.totalBytes) <= 0.15)
        let dst = TempDir()
        _ = try await sync(remote).pull(name: "2", into: dst.path)
        #expect(
            FileManager.default.contentsEqual(
                atPath: b.path + "/model.safetensors", andPath: dst.path + "/model.safetensors"))
    }

    /// Default chunking: refreshing 1% of the rows, scattered over both row tables, re-uploads ≤ 15% of the bytes,
    /// and the pulled checkpoint is the refreshed one.
    @Test func scatteredEmbeddingRefreshUploadsAtMostFifteenPercent() async throws {
        let a = TempDir(), b = TempDir()
        let fixture = CheckpointFixture.scatteredRefresh
        fixture.write(to: a.path)
        let rows = CheckpointFixture.everyHundredthRow(vocab: fixture.vocab)
        fixture.write(to: b.path, scatteredRows: rows)
        let remote = env.remote("scatter")
        let first = try await sync(remote, target: ChunkingPolicy().targetSize).publish(directory: a.path, name: "1")
        let second = try await sync(remote, target: ChunkingPolicy().targetSize).publish(directory: b.path, name: "2")
        let fraction = Double(second.bytesUploaded) / Double(first.totalBytes)
        #expect(second.bytesUploaded > 0)
        #expect(fraction <= 0.15, "re-uploaded \(second.bytesUploaded) of \(first.totalBytes) bytes")
        // 30 refreshed rows, each in its own 64 KiB (32-row) blob, in each of the two tables.
        #expect(second.bytesUploaded == Int64(2 * rows.count) * (64 << 10))
        let dst = TempDir()
        _ = try await sync(remote).pull(name: "2", into: dst.path)
        #expect(
            FileManager.default.contentsEqual(
                atPath: b.path + "/model.safetensors", andPath: dst.path + "/model.safetensors"))
    }

    @Test func differentContentUnderAPublishedNameIsAConflict() async throws {
        let a = TempDir(), b = TempDir()
        CheckpointFixture().write(to: a.path)
        CheckpointFixture(seed: 2).write(to: b.path)
        let remote = env.remote("conflict")
        _ = try await sync(remote).publish(directory: a.path, name: "7")
        await #expect(throws: SyncError.self) { _ = try await sync(remote).publish(directory: b.path, name: "7") }
        let dst = TempDir()
        _ = try await sync(remote).pull(name: "7", into: dst.path)
        #expect(
            FileManager.default.contentsEqual(
                atPath: a.path + "/model.safetensors", andPath: dst.path + "/model.safetensors"))
    }

    @Test func cancelledPublishLeavesNoManifest() async throws {
        let src = TempDir()
        CheckpointFixture().write(to: src.path)
        let remote = env.remote("cancel")
        let cancel = CancellationFlag()
        let log = EventLog()
        var o = SyncOptions()
        o.chunking = ChunkingPolicy(targetSize: 128 << 10)
        o.concurrency = 1
        let s = CheckpointSync(
            client: env.client(
                remote,
                observer: { e in
                    log.observer(e)
                    if log.count("PutObject") >= 5 { cancel.cancel() }
                }), journal: nil, options: o)
        await #expect(throws: SyncError.cancelled) {
            _ = try await s.publish(directory: src.path, name: "1", cancel: cancel)
        }
        #expect(try env.client(remote).headObject(key: remote.key("checkpoints/1/manifest.json")) == nil)
        #expect(try s.listCheckpoints().isEmpty)
    }

    @Test func largeBlobsUseResumableMultipart() async throws {
        let src = TempDir()
        _ = src.write("weights.bin", testBytes(13 << 20, seed: 21))
        let remote = env.remote("bigblob")
        let log = EventLog()
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/j.sqlite")
        var s = sync(remote, log: log, journal: journal)
        s.options.chunking = .wholeFiles
        let r = try await s.publish(directory: src.path, name: "1")
        #expect(r.blobsUploaded == 1)
        #expect(log.count("UploadPart") == 3)
        let dst = TempDir()
        _ = try await sync(remote).pull(name: "1", into: dst.path)
        #expect(
            FileManager.default.contentsEqual(atPath: src.path + "/weights.bin", andPath: dst.path + "/weights.bin"))
    }

    @Test func retentionKeepsLastNAndReferencedBlobs() async throws {
        let remote = env.remote("retention")
        let fixture = CheckpointFixture()
        var dirs: [TempDir] = []
        for i in 1...3 {
            let d = TempDir()
            fixture.write(to: d.path, refreshRows: (i * 500)..<(i * 500 + 10), refreshSeed: UInt64(i))
            dirs.append(d)
            _ = try await sync(remote).publish(directory: d.path, name: "\(i)")
        }
        let s = sync(remote)
        #expect(try s.listCheckpoints() == ["1", "2", "3"])
        let onlyOld = try s.manifest("1").blobHashes.subtracting(try s.manifest("2").blobHashes)
            .subtracting(try s.manifest("3").blobHashes)
        #expect(!onlyOld.isEmpty)
        // A young unreferenced blob is protected by the age guard.
        let guarded = try s.applyRetention(keepLast: 2, minBlobAge: 3600)
        #expect(guarded.deletedCheckpoints == ["1"])
        #expect(guarded.deletedBlobs == 0)
        #expect(guarded.keptUnreferencedYoungBlobs == onlyOld.count)
        let report = try s.applyRetention(keepLast: 2, minBlobAge: 0)
        #expect(report.kept == ["2", "3"])
        #expect(report.deletedBlobs == onlyOld.count)
        let client = env.client(remote)
        for h in onlyOld { #expect(try client.headObject(key: remote.key(RemoteLayout.blob(h))) == nil) }
        for name in ["2", "3"] {
            let dst = TempDir()
            _ = try await s.pull(name: name, into: dst.path)
        }
    }

    @Test func staleMultipartUploadsUnderOurPrefixAreAborted() throws {
        let remote = env.remote("stale")
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/j.sqlite")
        let client = env.client(remote)
        let stale = try client.createMultipartUpload(key: remote.key("blobs/sha256/stale"))
        let ours = try client.createMultipartUpload(key: remote.key("blobs/sha256/ours"))
        let s = CheckpointSync(client: client, journal: journal)
        try journal.begin(
            JournaledUpload(
                remote: MultipartUploader(client: client, journal: nil).remoteID,
                key: remote.key("blobs/sha256/ours"), uploadID: ours, partSize: 5 << 20, size: 1, sha256: "x"))
        let otherPrefix = env.remote("stale-other")
        let foreign = try client.createMultipartUpload(key: otherPrefix.key("x"))
        #expect(try s.abortStaleUploads(olderThan: 3600).isEmpty) // too young
        #expect(try s.abortStaleUploads(olderThan: 0) == [remote.key("blobs/sha256/stale")])
        #expect(throws: SyncError.self) {
            _ = try client.listParts(key: remote.key("blobs/sha256/stale"), uploadID: stale)
        }
        #expect(try client.listParts(key: remote.key("blobs/sha256/ours"), uploadID: ours).isEmpty)
        #expect(try client.listParts(key: otherPrefix.key("x"), uploadID: foreign).isEmpty)
    }

    @Test func interruptedPullResumesWithARangedGet() async throws {
        let src = TempDir(), dst = TempDir()
        _ = src.write("w.bin", testBytes(3 << 20, seed: 8))
        let remote = env.remote("pullresume")
        var s = sync(remote)
        s.options.chunking = .wholeFiles
        _ = try await s.publish(directory: src.path, name: "1")
        let m = try s.manifest("1")
        let blob = try #require(m.files.first?.chunks.first)
        // State an interrupted download leaves behind: the first MiB of the blob in the staging area.
        try FileManager.default.createDirectory(atPath: dst.path + "/.transtok-pull", withIntermediateDirectories: true)
        let head = Array(testBytes(3 << 20, seed: 8).prefix(1 << 20))
        _ = FileManager.default.createFile(
            atPath: dst.path + "/.transtok-pull/\(blob.sha256).part", contents: Data(head))
        let log = EventLog()
        let r = try await sync(remote, log: log).pull(name: "1", into: dst.path)
        #expect(r.bytesDownloaded == (3 << 20) - (1 << 20))
        #expect(FileManager.default.contentsEqual(atPath: src.path + "/w.bin", andPath: dst.path + "/w.bin"))
    }

    @Test func corruptPartialDownloadIsDetected() async throws {
        let src = TempDir(), dst = TempDir()
        _ = src.write("w.bin", testBytes(1 << 20, seed: 8))
        let remote = env.remote("pullcorrupt")
        var s = sync(remote)
        s.options.chunking = .wholeFiles
        _ = try await s.publish(directory: src.path, name: "1")
        let blob = try #require(try s.manifest("1").files.first?.chunks.first)
        try FileManager.default.createDirectory(atPath: dst.path + "/.transtok-pull", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(
            atPath: dst.path + "/.transtok-pull/\(blob.sha256).part",
            contents: Data(repeating: 0, count: 1000))
        let error = await #expect(throws: SyncError.self) { _ = try await s.pull(name: "1", into: dst.path) }
        #expect(error?.errorClass == .validation)
        #expect(!FileManager.default.fileExists(atPath: dst.path + "/w.bin"))
        _ = try await s.pull(name: "1", into: dst.path) // the bad partial was discarded; a retry succeeds
        #expect(FileManager.default.contentsEqual(atPath: src.path + "/w.bin", andPath: dst.path + "/w.bin"))
    }
}
