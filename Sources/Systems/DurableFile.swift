import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Durable, atomic replacement of one file.
///
/// **The guarantee** (the only one this module offers): when `write` returns, the file at `path` holds exactly the
/// given bytes and survives a crash or power loss; if it throws, or the machine dies at any moment before it
/// returns, `path` holds either its complete previous content (or is absent, if it was) or the complete new content
/// — never a mix, never a prefix — and no temporary file is left behind by a call that threw.
///
/// How: the bytes go to a hidden temporary file in the same directory (`.<name>.tmp-<pid>-<random>`, so the rename
/// never crosses a file system), the file is fsynced, `rename(2)` replaces the target, and the directory is fsynced
/// so the rename itself is durable. Errors carry the path, the step and `errno` (`ENOSPC` stays recognisable).
public enum DurableFile {
    /// Writes `bytes` to `path` as described above; the file gets `permissions` (before the umask) when created.
    public static func write(_ bytes: some ContiguousBytes, to path: String, permissions: mode_t = 0o644)
        throws(DurableFileError)
    {
        try write(to: path, permissions: permissions) { (fd) throws(DurableFileError) in
            try bytes.withUnsafeBytes { raw in
                Result { () throws(DurableFileError) in try writeAll(fd, raw, path: path) }
            }.get()
        }
    }

    /// Like `write(_:to:permissions:)`, with the content produced by `body` writing to the temporary file's
    /// descriptor (for content too large to build in memory; `writeAll` does complete writes).
    public static func write(
        to path: String, permissions: mode_t = 0o644, _ body: (Int32) throws(DurableFileError) -> Void
    ) throws(DurableFileError) {
        let directory = Self.directory(of: path)
        let name = (path as NSString).lastPathComponent
        let temporary =
            directory + "/." + name + ".tmp-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw DurableFileError(.create, path: temporary) }
        do throws(DurableFileError) {
            try body(fd)
            guard fsync(fd) == 0 else { throw DurableFileError(.sync, path: temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let failure = DurableFileError(.write, path: temporary)
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let failure = DurableFileError(.rename, path: path)
            unlink(temporary)
            throw failure
        }
        try syncDirectory(directory)
    }

    /// Writes all of `raw` to `fd` (retrying short writes and EINTR).
    public static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) throws(DurableFileError) {
        guard let start = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, start + offset, raw.count - offset)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw DurableFileError(.write, path: path, code: n == 0 ? EIO : errno) }
            offset += n
        }
    }

    /// fsyncs a directory, making renames, creations and unlinks inside it durable.
    public static func syncDirectory(_ path: String) throws(DurableFileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFileError(.syncDirectory, path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DurableFileError(.syncDirectory, path: path) }
    }

    /// fsyncs an existing file or directory by path.
    public static func sync(path: String) throws(DurableFileError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFileError(.sync, path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DurableFileError(.sync, path: path) }
    }

    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }
}

/// A failed step of a durable write: which step, on which path, and the `errno` it failed with.
public struct DurableFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Step: String, Sendable {
        case create = "create", write = "write", sync = "fsync", rename = "rename", syncDirectory =
            "fsync the directory"
    }

    public var step: Step
    public var path: String
    public var code: Int32

    public init(_ step: Step, path: String, code: Int32 = errno) {
        self.step = step
        self.path = path
        self.code = code
    }

    /// The disk (or quota) is full.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String { "cannot \(step.rawValue) \(path): \(String(cString: strerror(code)))" }
}
