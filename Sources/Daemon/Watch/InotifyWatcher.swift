import Foundation

/// What the corpus service cares about, translated from raw inotify events.
enum WatchEvent: Equatable, Sendable {
    /// A file finished writing (IN_CLOSE_WRITE), was renamed into place (IN_MOVED_TO), or was found in a new folder.
    case changed(String)
    /// A file was written to (IN_MODIFY) after the close that reported it: it is being written again, so it is not
    /// complete until its next IN_CLOSE_WRITE (a writer may close a file, reopen it and go on writing).
    case writing(String)
    /// A file or folder was deleted or moved away.
    case removed(String)
    /// Events were lost (IN_Q_OVERFLOW) or a root vanished: only a full scan is correct now.
    case rescan(reason: String)
}

struct InotifyError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32

    var description: String {
        var message = "\(operation) \(path): \(String(cString: strerror(code)))"
        if code == ENOSPC {
            message +=
                " — the inotify watch limit is reached; raise it with "
                + "`sysctl fs.inotify.max_user_watches=524288` (files are still picked up by the periodic rescan)"
        }
        return message
    }
}

/// A recursive inotify watcher over a set of roots. Not thread-safe: one thread owns it (see `WatchThread`).
/// Events are hints; the periodic and start-up scans are the truth.
final class InotifyWatcher {
    private let fd: Int32
    private var pathByWatch: [Int32: String] = [:]
    private var watchByPath: [String: Int32] = [:]
    private let roots: [String]

    /// Directories only: files report through their parent. IN_DONT_FOLLOW: symlinked folders are not entered.
    private static let mask = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
            | IN_MODIFY | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

    init(roots: [String]) throws {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw InotifyError(operation: "inotify_init1", path: "", code: errno) }
        self.fd = fd
        self.roots = roots
    }

    deinit { close(fd) }

    /// Watches every root and everything below it (idempotent).
    func watchAll() throws {
        for root in roots where access(root, F_OK) == 0 { try addRecursive(root) }
    }

    @discardableResult
    private func addRecursive(_ directory: String) throws -> [String] {
        let wd = inotify_add_watch(fd, directory, Self.mask)
        if wd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return [] } // raced with a delete or rename
            throw InotifyError(operation: "inotify_add_watch", path: directory, code: errno)
        }
        if let old = pathByWatch[wd], old != directory { watchByPath[old] = nil }
        pathByWatch[wd] = directory
        watchByPath[directory] = wd
        var files: [String] = []
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return files }
        for name in entries {
            let child = directory + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                files += try addRecursive(child)
            } else {
                files.append(child)
            }
        }
        return files
    }

    private func removeSubtree(_ directory: String) {
        for (path, wd) in watchByPath where path == directory || path.hasPrefix(directory + "/") {
            inotify_rm_watch(fd, wd)
            watchByPath[path] = nil
            pathByWatch[wd] = nil
        }
    }

    /// Waits up to `timeoutMilliseconds` for events and returns them translated.
    func poll(timeoutMilliseconds: Int32) throws -> [WatchEvent] {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return [] }
        var events: [WatchEvent] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { break }
                throw InotifyError(operation: "read", path: "inotify", code: errno)
            }
            if count == 0 { break }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let (wd, mask, length, name): (Int32, UInt32, Int, String) = buffer.withUnsafeBytes { raw in
                    let wd = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let end = min(offset + header + length, count)
                    let bytes = raw[(offset + header)..<end].prefix { $0 != 0 }
                    return (wd, mask, length, String(decoding: bytes, as: UTF8.self))
                }
                offset += header + length
                events += try translate(wd: wd, mask: mask, name: name)
            }
        }
        return events
    }

    private func translate(wd: Int32, mask: UInt32, name: String) throws -> [WatchEvent] {
        func has(_ flag: Int32) -> Bool { mask & UInt32(bitPattern: flag) != 0 }
        if has(IN_Q_OVERFLOW) {
            try watchAll()
            return [.rescan(reason: "inotify queue overflow (IN_Q_OVERFLOW)")]
        }
        if has(IN_IGNORED) {
            if let path = pathByWatch[wd] {
                watchByPath[path] = nil
                pathByWatch[wd] = nil
            }
            return []
        }
        guard let directory = pathByWatch[wd] else { return [] }
        let path = name.isEmpty ? directory : directory + "/" + name
        if has(IN_DELETE_SELF) || has(IN_MOVE_SELF) {
            return roots.contains(directory)
                ? [.rescan(reason: "watched folder \(directory) was deleted or moved")] : []
        }
        if has(IN_ISDIR) {
            if has(IN_CREATE) || has(IN_MOVED_TO) {
                // Files may have landed before the watch existed: report everything found in the new subtree.
                return try addRecursive(path).map { .changed($0) }
            }
            if has(IN_MOVED_FROM) || has(IN_DELETE) {
                removeSubtree(path)
                return [.removed(path)]
            }
            return []
        }
        if has(IN_CLOSE_WRITE) || has(IN_MOVED_TO) { return [.changed(path)] }
        if has(IN_DELETE) || has(IN_MOVED_FROM) { return [.removed(path)] }
        if has(IN_MODIFY) { return [.writing(path)] }
        return [] // IN_CREATE of a file: wait for IN_CLOSE_WRITE
    }
}
