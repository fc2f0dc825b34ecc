import Foundation
import Hashing

/// An open file, read with `pread` from any thread. Closed at deinit.
public final class OpenFile: Sendable {
    public let fd: Int32
    public let path: String
    public let size: Int64

    public init(path: String) throws(SyncError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, message: "open: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let m = String(cString: strerror(errno))
            close(fd)
            throw .io(path: path, message: "fstat: \(m)")
        }
        self.fd = fd
        self.path = path
        self.size = Int64(st.st_size)
    }

    deinit { close(fd) }

    /// SHA-256 and MD5 of `length` bytes from `offset`, read through a 1 MiB buffer.
    public func digests(offset: Int64, length: Int64) throws(SyncError) -> (sha256: String, md5: [UInt8]) {
        var sha = SHA256Hasher()
        var md5 = MD5Hasher()
        try read(offset: offset, length: length) { chunk in
            sha.update(chunk)
            md5.update(chunk)
        }
        return (Digest.hex(sha.finalize()), md5.finalize())
    }

    /// SHA-256 of a range, raw bytes.
    public func sha256Bytes(offset: Int64, length: Int64) throws(SyncError) -> [UInt8] {
        var sha = SHA256Hasher()
        try read(offset: offset, length: length) { sha.update($0) }
        return sha.finalize()
    }

    /// SHA-256 of a range.
    public func sha256(offset: Int64, length: Int64) throws(SyncError) -> String {
        var sha = SHA256Hasher()
        try read(offset: offset, length: length) { sha.update($0) }
        return Digest.hex(sha.finalize())
    }

    /// Calls `body` with consecutive slices of the range (the buffer is reused).
    public func read(offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) -> Void) throws(SyncError) {
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < length {
            let want = Int(min(Int64(bufferSize), length - done))
            let got = pread(fd, buffer, want, off_t(offset + done))
            if got < 0 { throw .io(path: path, message: "read: \(String(cString: strerror(errno)))") }
            if got == 0 { throw .io(path: path, message: "file shorter than expected (changed while syncing?)") }
            body(UnsafeRawBufferPointer(start: buffer, count: got))
            done += Int64(got)
        }
    }

    public func readAll(offset: Int64, length: Int64) throws(SyncError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(length))
        try read(offset: offset, length: length) { out.append(contentsOf: $0) }
        return out
    }
}
