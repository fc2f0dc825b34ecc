import Foundation

/// Identity of a file whose content can be trusted not to change while the identity stays the same: device, inode,
/// size and modification time of a file nobody writes any more (read-only, or hard-linked into several places,
/// like the daemon's base weights shared by every checkpoint). Used as a key for digests computed from the content;
/// a writable, singly linked file has none, so it is always read again.
public struct StableFileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modifiedSeconds: Int
    public let modifiedNanoseconds: Int

    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    public init?(fileDescriptor: Int32) {
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    private init?(_ info: stat) {
        guard info.st_nlink > 1 || (info.st_mode & 0o222) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }
}
