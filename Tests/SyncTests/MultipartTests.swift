import Entities
import Foundation
import Hashing
import SyncStore
import Systems
import Testing

@testable import Sync

@Suite struct PartPlanTests {
    @Test func partSizeRespectsLimits() throws {
        #expect(try PartPlan.partSize(forSize: 100 << 20) == 8 << 20)
        // 10,000 parts of 8 MiB plus one byte would need part 10,001: the size grows instead.
        let size: Int64 = 10_000 * (8 << 20) + 1
        let part = try PartPlan.partSize(forSize: size)
        #expect(part == 9 << 20)
        #expect(PartPlan.partCount(size: size, partSize: part) <= 10_000)
        #expect(
            PartPlan.partCount(size: 15_000_000_000, partSize: try PartPlan.partSize(forSize: 15_000_000_000)) <= 10_000
        )
        #expect(throws: SyncError.self) { try PartPlan.partSize(forSize: 10, minimum: 1 << 20) }
        #expect(throws: SyncError.self) { try PartPlan.partSize(forSize: 60_000 * (5 << 30)) }
    }

    @Test func multipartETagIsMD5OfPartMD5s() {
        // md5(md5("a") ‖ md5("b")) computed independently of the helper.
        let a = Digest.md5(Array("a".utf8)), b = Digest.md5(Array("b".utf8))
        let expected = Digest.hex(Digest.md5(a + b)) + "-2"
        #expect(S3Client.multipartETag(partETags: [Digest.hex(a), Digest.hex(b)]) == expected)
    }
}

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct MultipartTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }
    static let part: Int64 = 5 << 20

    @Test(arguments: [PartIntegrity.contentMD5, .checksumSHA256])
    func multipartUploadWithConcurrencyRoundTrips(_ integrity: PartIntegrity) throws {
        let tmp = TempDir()
        let bytes = testBytes(12 << 20 + 12345, seed: 3)
        let file = try OpenFile(path: tmp.write("big.bin", bytes))
        let remote = env.remote("mp")
        let log = EventLog()
        let client = env.client(remote, observer: log.observer)
        var up = MultipartUploader(client: client, journal: nil, partSizeMinimum: Self.part, concurrency: 3)
        up.integrity = integrity
        let sha = Digest.sha256Hex(bytes)
        let etag = try up.upload(file: file, length: file.size, sha256Hex: sha, key: remote.key("big.bin"))
        #expect(etag.hasSuffix("-3"))
        #expect(etag != Digest.hex(Digest.md5(bytes))) // a multipart ETag is not the content's MD5
        let info = try #require(try client.headObject(key: remote.key("big.bin")))
        #expect(info.etag == etag)
        #expect(info.metadata["sha256"] == sha)
        #expect(try client.getObject(key: remote.key("big.bin")) == bytes)
        #expect(log.count("UploadPart") == 3)
        #expect(client.connectionsCreated <= 4)
    }

    @Test(arguments: [PartIntegrity.contentMD5, .checksumSHA256])
    func resumeAfterAbortMidPartSendsNoFinishedPartAgain(_ integrity: PartIntegrity) throws {
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/journal.sqlite")
        let bytes = testBytes(Int(3 * Self.part) + 777, seed: 11) // parts 1-3 full, part 4 short
        let file = try OpenFile(path: tmp.write("ckpt.bin", bytes))
        let sha = Digest.sha256Hex(bytes)
        let remote = env.remote("resume")
        let key = remote.key("ckpt.bin")

        // Run 1: one part at a time; interrupt part 3 after 1 MiB of it went out.
        let cancel = CancellationFlag()
        let log1 = EventLog()
        var up1 = MultipartUploader(
            client: env.client(remote, observer: log1.observer), journal: journal, partSizeMinimum: Self.part,
            concurrency: 1)
        up1.integrity = integrity
        up1.partProgress = { part, sent in if part == 3 && sent > 1 << 20 { cancel.cancel() } }
        #expect(throws: SyncError.cancelled) {
            try up1.upload(file: file, length: file.size, sha256Hex: sha, key: key, cancel: cancel)
        }
        let journaled = try #require(try journal.upload(remote: up1.remoteID, key: key))
        #expect(Set(journaled.parts.keys) == [1, 2])
        #expect(try env.client(remote).headObject(key: key) == nil) // nothing published

        // Run 2: a fresh uploader (as after a restart) resumes from the journal, reconciled with ListParts.
        let log2 = EventLog()
        let client2 = env.client(remote, observer: log2.observer)
        var up2 = MultipartUploader(client: client2, journal: journal, partSizeMinimum: Self.part, concurrency: 2)
        up2.integrity = integrity
        let etag = try up2.upload(file: file, length: file.size, sha256Hex: sha, key: key)
        let sentParts = log2.all.filter { $0.operation == "UploadPart" }.compactMap(\.partNumber).sorted()
        #expect(sentParts == [3, 4])
        #expect(log2.count("ListParts") == 1)
        #expect(log2.count("CreateMultipartUpload") == 0)
        #expect(etag.hasSuffix("-4"))
        #expect(try client2.getObject(key: key) == bytes)
        #expect(try journal.upload(remote: up2.remoteID, key: key) == nil)
    }

    /// Parts go up at the same time from one thread (one libcurl multi handle), not one thread per part.
    @Test func concurrentPartsShareOneDriverThread() throws {
        let tmp = TempDir()
        let bytes = testBytes(Int(3 * Self.part), seed: 15)
        let file = try OpenFile(path: tmp.write("three.bin", bytes))
        let remote = env.remote("onethread")
        var options = TransportOptions()
        options.maxSendBytesPerSecond = 8 << 20
        struct Seen: Sendable {
            var threads: Set<UInt> = []
            var sent: [Int: Int64] = [:]
            var maxMidway = 0
        }
        let seen = Locked(Seen())
        var up = MultipartUploader(
            client: env.client(remote, options: options), journal: nil, partSizeMinimum: Self.part, concurrency: 3)
        up.partProgress = { part, sent in
            let thread = UInt(pthread_self())
            seen.withLock {
                $0.threads.insert(thread)
                $0.sent[part] = sent
                $0.maxMidway = max($0.maxMidway, $0.sent.values.filter { $0 > 0 && $0 < Self.part }.count)
            }
        }
        _ = try up.upload(
            file: file, length: file.size, sha256Hex: Digest.sha256Hex(bytes), key: remote.key("three.bin"))
        #expect(seen.value.threads.count == 1)
        #expect(seen.value.maxMidway >= 2, "parts on the wire at once: \(seen.value.maxMidway)")
        #expect(try env.client(remote).getObject(key: remote.key("three.bin")) == bytes)
    }

    /// Byte-level progress: while part 1 is on the wire (throttled to 4 MiB/s) the snapshot already counts some of
    /// its bytes; at the end exactly the file's bytes are counted.
    @Test func progressAdvancesWhileAPartIsOnTheWire() throws {
        let tmp = TempDir()
        let bytes = testBytes(Int(Self.part) + 1000, seed: 13)
        let file = try OpenFile(path: tmp.write("slow.bin", bytes))
        let remote = env.remote("progress")
        var options = TransportOptions()
        options.maxSendBytesPerSecond = 4 << 20
        let progress = SyncProgress()
        progress.setTotal(file.size)
        let seen = Locked<[Int64]>([])
        var up = MultipartUploader(
            client: env.client(remote, options: options), journal: nil, partSizeMinimum: Self.part, concurrency: 1)
        up.partProgress = { part, sent in
            // Between 2 MiB sent and the end of the body (then the answer is awaited with the whole part counted).
            if part == 1, sent > 2 << 20, sent < Self.part {
                seen.withLock { $0.append(progress.snapshot().uploadedBytes) }
            }
        }
        _ = try up.upload(
            file: file, length: file.size, sha256Hex: Digest.sha256Hex(bytes), key: remote.key("slow.bin"),
            progress: progress)
        let midPart = try #require(seen.value.max())
        #expect(midPart > 1 << 20 && midPart < Self.part, "snapshot while part 1 was on the wire: \(midPart)")
        #expect(progress.snapshot().uploadedBytes == file.size)
    }

    @Test func partUploadedButNotJournaledIsRecognisedByItsMD5() throws {
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/journal.sqlite")
        let bytes = testBytes(Int(2 * Self.part) + 10, seed: 12)
        let file = try OpenFile(path: tmp.write("f.bin", bytes))
        let sha = Digest.sha256Hex(bytes)
        let remote = env.remote("unjournaled")
        let key = remote.key("f.bin")
        let client = env.client(remote)
        // Simulate a crash between UploadPart answering and the journal write: part 1 is on the server only.
        let id = try client.createMultipartUpload(key: key, metadata: ["sha256": sha])
        let up = MultipartUploader(client: client, journal: journal, partSizeMinimum: Self.part)
        try journal.begin(
            JournaledUpload(
                remote: up.remoteID, key: key, uploadID: id, partSize: Self.part,
                size: file.size, sha256: sha))
        let (psha, pmd5) = try file.digests(offset: 0, length: Self.part)
        _ = try client.uploadPart(
            key: key, uploadID: id, partNumber: 1,
            body: .file(
                fd: file.fd, offset: 0,
                length: Self.part), sha256Hex: psha, md5: pmd5)
        let log = EventLog()
        let up2 = MultipartUploader(
            client: env.client(remote, observer: log.observer), journal: journal,
            partSizeMinimum: Self.part)
        _ = try up2.upload(file: file, length: file.size, sha256Hex: sha, key: key)
        #expect(log.all.filter { $0.operation == "UploadPart" }.compactMap(\.partNumber).sorted() == [2, 3])
        #expect(try client.getObject(key: key) == bytes)
    }

    @Test func changedFileAbortsTheOldUpload() throws {
        let tmp = TempDir()
        let journal = try GRDBSyncJournal.open(path: tmp.path + "/journal.sqlite")
        let remote = env.remote("changed")
        let key = remote.key("f.bin")
        let client = env.client(remote)
        let oldID = try client.createMultipartUpload(key: key)
        let up = MultipartUploader(client: client, journal: journal, partSizeMinimum: Self.part)
        try journal.begin(
            JournaledUpload(
                remote: up.remoteID, key: key, uploadID: oldID, partSize: Self.part,
                size: 99, sha256: "old"))
        let bytes = testBytes(1000, seed: 2)
        let file = try OpenFile(path: tmp.write("f.bin", bytes))
        _ = try up.upload(file: file, length: file.size, sha256Hex: Digest.sha256Hex(bytes), key: key)
        #expect(try client.getObject(key: key) == bytes)
        let error = #expect(throws: SyncError.self) { _ = try client.listParts(key: key, uploadID: oldID) }
        #expect(error?.errorClass == .notFound)
    }

    @Test func wrongPartChecksumIsRejected() throws {
        let remote = env.remote("badchecksum")
        let client = env.client(remote)
        let key = remote.key("x")
        let id = try client.createMultipartUpload(key: key, checksumSHA256: true)
        let bytes = testBytes(1000)
        let error = #expect(throws: SyncError.self) {
            _ = try client.uploadPart(
                key: key, uploadID: id, partNumber: 1, body: .bytes(bytes),
                sha256: Digest.sha256(Array("other".utf8)))
        }
        #expect(error?.errorClass == .validation)
        try client.abortMultipartUpload(key: key, uploadID: id)
    }

    @Test func completeWithWrongPartETagIsAValidationError() throws {
        let remote = env.remote("badcomplete")
        let client = env.client(remote)
        let key = remote.key("x")
        let id = try client.createMultipartUpload(key: key)
        let bytes = testBytes(1000)
        _ = try client.uploadPart(
            key: key, uploadID: id, partNumber: 1, body: .bytes(bytes),
            sha256Hex: Digest.sha256Hex(bytes), md5: Digest.md5(bytes))
        let error = #expect(throws: SyncError.self) {
            _ = try client.completeMultipartUpload(
                key: key, uploadID: id,
                parts: [PartInfo(partNumber: 1, etag: String(repeating: "0", count: 32), size: 1000)])
        }
        #expect(error?.errorClass == .validation)
        try client.abortMultipartUpload(key: key, uploadID: id)
    }
}
