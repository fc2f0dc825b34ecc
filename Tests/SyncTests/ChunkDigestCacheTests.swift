import Foundation
import Testing

@testable import Sync

/// Files that cannot change under the same identity (read-only or hard-linked) are hashed once per cache; every
/// other file is hashed on every scan, and the manifests are the same either way.
@Suite struct ChunkDigestCacheTests {
    @Test func readOnlyAndLinkedFilesAreHashedOnce() throws {
        let tmp = TempDir()
        let first = tmp.path + "/000001", second = tmp.path + "/000002"
        for dir in [first, second] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let base = [UInt8]((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try Data(base).write(to: URL(fileURLWithPath: first + "/model-base.safetensors"))
        #expect(chmod(first + "/model-base.safetensors", 0o444) == 0)
        #expect(link(first + "/model-base.safetensors", second + "/model-base.safetensors") == 0)
        try Data("rows v1".utf8).write(to: URL(fileURLWithPath: first + "/rows.bin"))
        try Data("rows v2".utf8).write(to: URL(fileURLWithPath: second + "/rows.bin"))

        let policy = ChunkingPolicy(targetSize: 64 << 10)
        let cache = ChunkDigestCache()
        let a = try LocalCheckpoint.scan(directory: first, name: "000001", policy: policy, cache: cache)
        #expect(cache.hashedBytes == Int64(base.count + 7))
        let b = try LocalCheckpoint.scan(directory: second, name: "000002", policy: policy, cache: cache)
        #expect(cache.hashedBytes == Int64(base.count + 7 + 7), "the linked base must not be hashed again")

        // Same digests as without a cache.
        let uncached = try LocalCheckpoint.scan(directory: second, name: "000002", policy: policy)
        #expect(b.manifest == uncached.manifest)
        #expect(
            a.manifest.files.first { $0.path == "model-base.safetensors" }
                == b.manifest.files.first { $0.path == "model-base.safetensors" })
        #expect(b.blobs.count == uncached.blobs.count)

        // A writable, singly linked file is hashed every time, so an in-place edit is always seen.
        _ = try LocalCheckpoint.scan(directory: second, name: "000002", policy: policy, cache: cache)
        #expect(cache.hashedBytes == Int64(base.count + 7 + 7 + 7))
    }

    /// Shutdown during hashing: the scan stops between chunks instead of hashing the whole checkpoint first.
    @Test func cancelledScanStopsBeforeHashing() throws {
        let tmp = TempDir()
        _ = tmp.write("ckpt/a.bin", testBytes(300_000, seed: 3))
        let cancel = CancellationFlag()
        cancel.cancel()
        #expect(throws: SyncError.cancelled) {
            try LocalCheckpoint.scan(directory: tmp.path + "/ckpt", name: "1", policy: ChunkingPolicy(), cancel: cancel)
        }
        #expect(
            try LocalCheckpoint.scan(directory: tmp.path + "/ckpt", name: "1", policy: ChunkingPolicy()).blobs.count
                == 1)
    }
}
