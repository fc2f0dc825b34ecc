import Foundation
import Hashing
import Synchronization

/// Chunk digests of files, remembered by `StableFileIdentity` and chunking policy, so publishing each checkpoint
/// that links the daemon's base weights does not read and hash them again.
public final class ChunkDigestCache: Sendable {
    struct Key: Hashable {
        var file: StableFileIdentity
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
        StableFileIdentity(fileDescriptor: file.fd).map { Key(file: $0, policy: policy) }
    }

    func entry(_ key: Key) -> Entry? { entries.withLock { $0[key] } }

    func remember(_ entry: Entry, for key: Key) { entries.withLock { $0[key] = entry } }

    func countHashed(_ bytes: Int64) { hashed.add(bytes, ordering: .relaxed) }
}
