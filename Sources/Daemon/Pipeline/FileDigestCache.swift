import Foundation
import Hashing

/// SHA-256 of files, remembered by inode identity (device, inode, size, modification time), so a file hard-linked
/// into every checkpoint (the base weights) is hashed once per daemon run instead of once per checkpoint.
/// Used from the pipeline's thread only.
final class FileDigestCache {
    private struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private var digests: [Identity: String] = [:]

    func sha256Hex(path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CheckpointError("cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        let identity = Identity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
        if let known = digests[identity] { return known }
        let digest = try Digest.sha256Hex(fileAt: path)
        // Only files no one writes any more are worth remembering: the read-only base weights.
        if info.st_nlink > 1 || (info.st_mode & 0o222) == 0 { digests[identity] = digest }
        return digest
    }
}
