import Engine
import Foundation
import Logging
import Systems

/// The changed-rows shard (`model-transtok*.safetensors`) of a checkpoint attempt that failed after writing it (a
/// full disk at the manifest, a failed state save), kept under `<checkpoints>/<workspace>/.kept-shards/<key>/` so
/// the retry hard-links it instead of writing it again (issue #14 item 6). `key` is the digest of what the shard
/// contains (`HFModelDirectoryWriter.changedShardsKey`), so a kept shard is only ever reused for identical content,
/// even after a restart. One key is kept at a time; a published checkpoint removes them (`clear`).
struct KeptShards: ChangedShardKeeper {
    static let directoryName = ".kept-shards"
    /// `<checkpoints>/<workspace>/.kept-shards`: beside the checkpoints, so on their filesystem (hard links work).
    let directory: String
    let logger: Logger

    init(checkpointDirectory: String, logger: Logger) {
        directory = checkpointDirectory + "/" + Self.directoryName
        self.logger = logger
    }

    func kept(key: String) -> [String: String]? {
        guard Self.isKey(key) else { return nil }
        let set = directory + "/" + key
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: set) else { return nil }
        let files = names.filter { !$0.hasPrefix(".") }
        return files.isEmpty ? nil : Dictionary(uniqueKeysWithValues: files.map { ($0, set + "/" + $0) })
    }

    /// Replaces what was kept with hard links to `files`, published as one directory (so a set is complete or absent).
    func keep(_ files: [String: String], key: String) {
        guard Self.isKey(key), !files.isEmpty else { return }
        let temporary = directory + "/.\(key).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            clear()
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            for (name, path) in files {
                guard !name.contains("/"), !name.hasPrefix("."), link(path, temporary + "/" + name) == 0 else {
                    throw CheckpointError("cannot link \(path) into \(temporary): \(String(cString: strerror(errno)))")
                }
            }
            try DurableDirectory.publish(temporary, at: directory + "/" + key)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            logger.warning(
                "cannot keep the rows shard for a retry; a retry writes it again",
                metadata: ["path": "\(directory)", "error": "\(error)"])
        }
    }

    /// Removes every kept shard (after a publish; harmless when there is none).
    func clear() {
        guard FileManager.default.fileExists(atPath: directory) else { return }
        do { try FileManager.default.removeItem(atPath: directory) } catch {
            logger.warning(
                "cannot remove kept checkpoint shards; the next publish removes them",
                metadata: ["path": "\(directory)", "error": "\(error)"])
        }
    }

    /// A SHA-256 in hex (never a path).
    static func isKey(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
