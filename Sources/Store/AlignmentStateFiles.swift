import Foundation

/// The aligner state files beside the database: `<database dir>/alignment-state/ws<id>-g<generation>-<random>.bin`.
/// Only the name in the `alignment_state` row makes a file current; the others are leftovers of older cycles or of
/// a crash and are removed after the next save.
struct AlignmentStateFiles {
    let directory: String

    init(store: Store) {
        directory = ((store.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("alignment-state")
    }

    /// Writes `bytes` durably under a new name and returns the name.
    func write(_ bytes: [UInt8], workspaceID: Int64, generation: Int) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.invalid("cannot create \(directory): \(error)")
        }
        let name = "ws\(workspaceID)-g\(generation)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).bin"
        let final = directory + "/" + name, temporary = directory + "/." + name + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.error("create", temporary) }
        var ok = bytes.withUnsafeBytes { raw -> Bool in
            guard let start = raw.baseAddress else { return true }  // nothing to write
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, start + offset, raw.count - offset)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        if ok { ok = fsync(fd) == 0 }
        let failure = ok ? nil : Self.error("write", temporary)
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, final) == 0 else {
            let failure = Self.error("rename", final)
            unlink(temporary)
            throw failure
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
        return name
    }

    func read(_ name: String, expectedBytes: Int?) throws -> [UInt8] {
        guard !name.contains("/"), !name.hasPrefix(".") else { throw StoreError.invalid("bad alignment state file name \(name)") }
        let path = directory + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.invalid("the alignment state file \(path) is missing or unreadable")
        }
        if let expectedBytes, data.count != expectedBytes {
            throw StoreError.invalid("the alignment state file \(path) has \(data.count) bytes, expected \(expectedBytes)")
        }
        return [UInt8](data)
    }

    /// Removes the workspace's state files other than `name` (and unfinished temporary files).
    func removeOthers(workspaceID: Int64, keeping name: String) {
        let prefix = "ws\(workspaceID)-"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where file != name && (file.hasPrefix(prefix) || file.hasPrefix("." + prefix)) {
            unlink(directory + "/" + file)
        }
    }

    private static func error(_ action: String, _ path: String) -> StoreError {
        StoreError.invalid("cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
