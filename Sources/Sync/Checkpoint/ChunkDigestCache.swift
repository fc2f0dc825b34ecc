import Foundation
import Synchronization

/// Chunk digests of files nobody writes any more (read-only, or hard-linked into several checkpoints, like the
/// daemon's base weights), remembered by inode identity and chunking policy, so publishing each checkpoint that
/// links such a file does not read and hash it again. Files that are writable and singly linked are always hashed.
public final class ChunkDigestCache: Sendable {
    struct Key: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
        var policy: ChunkingPolicy
    }

    struct Entry {
        var spans: [ChunkSpan]
        var chunkDigests: [String]
        var fileDigest: String
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let hashed = Atomic<Int64>(0)

    public init() {}

    /// Bytes read and hashed through this cache so far (what it saved shows as bytes not counted here).
    public var hashedBytes: Int64 { hashed.load(ordering: .relaxed) }

    /// The key for `file` when its content can be trusted not to change under the same identity, else nil.
    func key(for file: OpenFile, policy: ChunkingPolicy) -> Key? {
        var info = stat()
        guard fstat(file.fd, &info) == 0, info.st_nlink > 1 || (info.st_mode & 0o222) == 0 else { return nil }
        return Key(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec, policy: policy)
    }

    func entry(_ key: Key) -> Entry? { entries.withLock { $0[key] } }

    func remember(_ entry: Entry, for key: Key) { entries.withLock { $0[key] = entry } }

    func countHashed(_ bytes: Int64) { hashed.add(bytes, ordering: .relaxed) }
}
