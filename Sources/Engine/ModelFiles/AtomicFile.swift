import Foundation
import Systems

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file streamed under a temporary name in its final directory, then made durable and renamed into place with
/// `Systems.DurableFile`'s guarantee (file fsync, rename, directory fsync). If `commit()` is never called the temporary
/// file is removed.
final class AtomicFile {
    let finalPath: String
    let tempPath: String
    private var fd: Int32
    private(set) var bytesWritten = 0

    init(path: String) throws {
        finalPath = path
        let url = URL(fileURLWithPath: path)
        tempPath =
            url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UInt32.random(in: 0...UInt32.max))").path
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelFileError.posix(tempPath, "create") }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelFileError.posix(tempPath, "write")
            }
            done += n
        }
        bytesWritten += bytes.count
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// fsync, close, rename over the final path, fsync the directory.
    func commit() throws {
        guard fsync(fd) == 0 else { throw ModelFileError.posix(tempPath, "fsync") }
        guard close(fd) == 0 else {
            fd = -1
            throw ModelFileError.posix(tempPath, "close")
        }
        fd = -1
        guard rename(tempPath, finalPath) == 0 else { throw ModelFileError.posix(finalPath, "rename") }
        try Self.syncDirectory(URL(fileURLWithPath: finalPath).deletingLastPathComponent().path)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(tempPath)
        }
    }

    /// Write `bytes` to `path` with `DurableFile`'s guarantee.
    static func write(_ bytes: [UInt8], to path: String) throws {
        do { try DurableFile.write(bytes, to: path) } catch {
            throw ModelFileError.posix(error.path, error.step.rawValue, error.code)
        }
    }

    /// fsync a directory so renames inside it are durable.
    static func syncDirectory(_ path: String) throws {
        do { try DurableFile.syncDirectory(path) } catch {
            throw ModelFileError.posix(path, error.step.rawValue, error.code)
        }
    }
}
