import Foundation
import Systems

/// The state directory and its exclusive lock. Holding the lock is what makes this process *the* daemon for
/// the directory: a second daemon refuses to start (and never touches the live socket or database).
final class StateDirectory: @unchecked Sendable {
    let path: String
    private let lockDescriptor: Int32

    var lockPath: String { path + "/lock" }

    /// Creates the directory (0700) if needed and takes the lock, or throws `alreadyRunning`.
    init(path: String) throws(DaemonError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .startup("cannot create state directory \(path): \(FileErrorText.reason(error))")
        }
        let lockPath = path + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .startup("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readPID(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw .alreadyRunning(stateDir: path, pid: holder)
            }
            throw .startup("cannot lock \(lockPath): \(String(cString: strerror(code)))")
        }
        // Record our pid for the message a second instance prints.
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        lockDescriptor = fd
    }

    deinit { close(lockDescriptor) } // closing releases the flock

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

enum DaemonError: Error, CustomStringConvertible {
    case alreadyRunning(stateDir: String, pid: Int32?)
    case socketInUse(path: String)
    case startup(String)
    /// The configuration cannot work (an unknown group, a name clash): exit 78 (EX_CONFIG), not worth a restart.
    case config(String)

    var description: String {
        switch self {
        case .alreadyRunning(let dir, let pid):
            "another transtokd\(pid.map { " (pid \($0))" } ?? "") is already using the state directory \(dir); "
                + "stop it first or choose another --state-dir"
        case .socketInUse(let path):
            "a live server is answering on \(path); refusing to take over its socket (choose another --socket)"
        case .startup(let message), .config(let message): message
        }
    }
}
