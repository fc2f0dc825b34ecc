import Foundation
import Systems

/// Makes the socket path safe to bind: Hummingbird (like NIO's `cleanupExistingSocketFile`) would silently
/// unlink a *live* socket, orphaning its server. We dial it first: if something answers we refuse; if nothing
/// does, the file is stale and is removed. Only called while holding the state-directory lock.
enum SocketGuard {
    static func prepare(path: String) throws(DaemonError) {
        let directory = (path as NSString).deletingLastPathComponent
        if isShared((directory as NSString).deletingLastPathComponent), isFallback(directory) || !exists(directory) {
            try preparePrivate(directory)
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .startup(
                    "cannot create socket directory \(directory): \(FileErrorText.reason(error))")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return } // nothing there
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw .startup("\(path) exists and is not a socket; refusing to remove it")
        }
        if isAnswering(path) { throw .socketInUse(path: path) }
        unlink(path)
    }

    /// Whether `directory` is writable by others (a system temporary directory such as `/tmp`): anyone could have
    /// created the socket directory there before us.
    static func isShared(_ directory: String) -> Bool {
        var info = stat()
        return stat(directory, &info) == 0 && (info.st_mode & (S_IWOTH | S_IWGRP)) != 0
    }

    /// The built-in fallback (`DefaultPaths.socket`: `transtok-<uid>` in the temporary directory): whoever created it
    /// chose our name, so it must be ours. A directory the operator named explicitly is trusted as given.
    static func isFallback(_ directory: String) -> Bool {
        (directory as NSString).lastPathComponent == "transtok-\(getuid())"
            || (directory as NSString).lastPathComponent == "transtok-\(geteuid())"
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The socket directory inside a shared directory (the `transtok-<uid>` fallback under the temporary directory,
    /// used without `XDG_RUNTIME_DIR`): created 0700 by us, or — when it exists — accepted only if it is a real
    /// directory (`lstat`: no symlink), owned by our uid and not accessible by group or others.
    static func preparePrivate(_ directory: String) throws(DaemonError) {
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw .startup("cannot create socket directory \(directory): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            throw .startup("cannot inspect socket directory \(directory): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .startup(
                "socket directory \(directory) is not a directory (a symbolic link or a file); refusing to use it")
        }
        guard info.st_uid == geteuid() else {
            throw .startup(
                "socket directory \(directory) is owned by uid \(info.st_uid), not \(geteuid()); refusing to use it")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .startup(
                "socket directory \(directory) is accessible by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); "
                    + "refusing to use it (expected 700)")
        }
    }

    /// Whether a server accepts connections on the Unix socket at `path`.
    static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// After bind: 0600 by default; 0660 with the configured group.
    static func applyPermissions(path: String, group: GroupID?) throws(DaemonError) {
        if let group {
            guard chown(path, uid_t.max, group.gid) == 0 else {
                throw .startup("cannot give \(path) to group \(group.name): \(String(cString: strerror(errno)))")
            }
            guard chmod(path, 0o660) == 0 else {
                throw .startup("cannot chmod \(path): \(String(cString: strerror(errno)))")
            }
        } else {
            guard chmod(path, 0o600) == 0 else {
                throw .startup("cannot chmod \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A resolved group (name and id).
struct GroupID: Sendable, Equatable {
    var name: String
    var gid: gid_t

    static func resolve(_ nameOrID: String) throws(DaemonError) -> GroupID {
        if let entry = getgrnam(nameOrID) {
            return GroupID(name: nameOrID, gid: entry.pointee.gr_gid)
        }
        if let id = gid_t(nameOrID), let entry = getgrgid(id) {
            return GroupID(name: String(cString: entry.pointee.gr_name), gid: id)
        }
        throw .config("socket_group: no such group \(nameOrID)")
    }
}
