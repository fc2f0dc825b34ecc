import Foundation
import Hashing
import Systems

/// The aligner state files beside the database: `<database dir>/alignment-state/ws<id>-g<generation>-<random>.bin`
/// (a snapshot) and `….changes` (change records saved after it). Only the names in the `alignment_state` row make
/// files current; the others are leftovers of older cycles or of a crash and are removed after the next snapshot
/// (once the row naming the new one is durable) and by the start-up sweep.
///
/// Each file is written with `DurableFile` and framed so that a truncated, extended or corrupted file is noticed
/// before a byte of it is decoded:
///
///     "TTALSTv1"  (8 bytes)   magic and format version
///     length      (8 bytes)   payload bytes, little-endian
///     sha256      (32 bytes)  SHA-256 of the payload
///     payload     (length bytes)
///
/// Files written before the frame existed (no magic) are still read when their size matches the row's.
struct AlignmentStateFiles {
    static let magic: [UInt8] = Array("TTALSTv1".utf8)
    static let headerBytes = 8 + 8 + 32

    let directory: String

    init(store: Store) {
        directory = (store.directory as NSString).appendingPathComponent("alignment-state")
    }

    /// The change records of a row (`state_changes`): one `name:bytes` line each, in the order they apply.
    struct ChangeList {
        var entries: [(name: String, bytes: Int)] = []

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                guard let colon = line.lastIndex(of: ":"), let bytes = Int(line[line.index(after: colon)...]) else {
                    continue
                }
                entries.append((String(line[..<colon]), bytes))
            }
        }

        static func line(name: String, bytes: Int) -> String { "\(name):\(bytes)\n" }
    }

    /// Writes `bytes` durably (framed, see above) under a new name (`….bin`, or the given suffix) and returns the name.
    func write(_ bytes: [UInt8], workspaceID: Int64, generation: Int, suffix: String = "bin") throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.invalid("cannot create \(directory): \(error)")
        }
        let name = "ws\(workspaceID)-g\(generation)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).\(suffix)"
        let header = Self.header(for: bytes)
        let path = directory + "/" + name
        do throws(DurableFileError) {
            try DurableFile.write(to: path, permissions: 0o600) { (fd) throws(DurableFileError) in
                for part in [header, bytes] {
                    try part.withUnsafeBytes { raw in
                        Result { () throws(DurableFileError) in try DurableFile.writeAll(fd, raw, path: path) }
                    }.get()
                }
            }
        } catch {
            throw StoreError.io(error)
        }
        return name
    }

    static func header(for payload: [UInt8]) -> [UInt8] {
        var header = magic
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: Digest.sha256(payload))
        return header
    }

    /// The payload of a state file, checked against its frame and the row's expected size; throws
    /// `AlignmentStateUnreadable` naming the file and the problem when it is missing, truncated or corrupt.
    func read(_ name: String, expectedBytes: Int?) throws -> [UInt8] {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw AlignmentStateUnreadable(path: name, problem: "not a state file name")
        }
        let path = directory + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AlignmentStateUnreadable(path: path, problem: "missing or unreadable")
        }
        return try Self.payload(of: [UInt8](data), path: path, expectedBytes: expectedBytes)
    }

    static func payload(of file: [UInt8], path: String, expectedBytes: Int?) throws -> [UInt8] {
        guard file.count >= magic.count, Array(file[0..<magic.count]) == magic else {
            // A file from before the frame: only its size can be checked (the decoder bounds-checks the rest).
            guard let expectedBytes, file.count == expectedBytes, file.count > 0 else {
                throw AlignmentStateUnreadable(
                    path: path,
                    problem:
                        "no state-file header and \(file.count) bytes (expected \(expectedBytes.map(String.init) ?? "?"))"
                )
            }
            return file
        }
        guard file.count >= headerBytes else {
            throw AlignmentStateUnreadable(path: path, problem: "truncated header (\(file.count) bytes)")
        }
        var length: UInt64 = 0
        for (k, b) in file[8..<16].enumerated() { length |= UInt64(b) << (8 * UInt64(k)) }
        let actual = file.count - headerBytes
        guard length == UInt64(actual) else {
            throw AlignmentStateUnreadable(
                path: path, problem: "the header says \(length) bytes, the file holds \(actual)")
        }
        if let expectedBytes, expectedBytes != actual {
            throw AlignmentStateUnreadable(path: path, problem: "\(actual) bytes, the store expected \(expectedBytes)")
        }
        let payload = Array(file[headerBytes...])
        guard Digest.sha256(payload) == Array(file[16..<headerBytes]) else {
            throw AlignmentStateUnreadable(path: path, problem: "checksum mismatch (the file is corrupt)")
        }
        return payload
    }

    /// Removes the workspace's state files other than `names` (and unfinished temporary files).
    func removeOthers(workspaceID: Int64, keeping names: Set<String>) {
        let prefix = "ws\(workspaceID)-"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where !names.contains(file) && (file.hasPrefix(prefix) || file.hasPrefix("." + prefix)) {
            unlink(directory + "/" + file)
        }
    }

    /// Every file of the directory that no row names (start-up sweep): leftovers of crashes and of deleted workspaces.
    func removeUnreferenced(keeping names: Set<String>) -> Int {
        var removed = 0
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !names.contains(file)
        {
            if unlink(directory + "/" + file) == 0 { removed += 1 }
        }
        return removed
    }
}

/// A saved alignment state that cannot be used: a file missing, truncated, or failing its checksum. The corpus in the
/// store is the truth; the daemon logs this and rebuilds the alignment from it.
public struct AlignmentStateUnreadable: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String
    public var description: String { "the alignment state file \(path) cannot be used: \(problem)" }
}
