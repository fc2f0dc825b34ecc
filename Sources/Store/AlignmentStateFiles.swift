import Foundation

/// The aligner state files beside the database: `<database dir>/alignment-state/ws<id>-g<generation>-<random>.bin`
/// (a snapshot) and `….changes` (change records saved after it). Only the names in the `alignment_state` row make
/// files current; the others are leftovers of older cycles or of a crash and are removed after the next snapshot.
struct AlignmentStateFiles {
    let directory: String

    init(store: Store) {
        directory = ((store.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("alignment-state")
    }

    /// The change records of a row (`state_changes`): one `name:bytes` line each, in the order they apply.
    struct ChangeList {
        var entries: [(name: String, bytes: Int)] = []

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                guard let colon = line.lastIndex(of: ":"), let bytes = Int(line[line.index(after: colon)...]) else { continue }
                entries.append((String(line[..<colon]), bytes))
            }
        }

        static func line(name: String, bytes: Int) -> String { "\(name):\(bytes)\n" }
    }

    /// Writes `bytes` durably under a new name (`….bin`, or the given suffix) and returns the name.
    func write(_ bytes: [UInt8], workspaceID: Int64, generation: Int, suffix: String = "bin") throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.invalid("cannot create \(directory): \(error)")
        }
        let name = "ws\(workspaceID)-g\(generation)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).\(suffix)"
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

    /// Removes the workspace's state files other than `names` (and unfinished temporary files).
    func removeOthers(workspaceID: Int64, keeping names: Set<String>) {
        let prefix = "ws\(workspaceID)-"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where !names.contains(file) && (file.hasPrefix(prefix) || file.hasPrefix("." + prefix)) {
            unlink(directory + "/" + file)
        }
    }

    private static func error(_ action: String, _ path: String) -> StoreError {
        StoreError.invalid("cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
