import Engine
import Foundation
import Hashing
import Logging
import Store
import Systems

/// The manifest written last into every checkpoint directory: what it contains and where it came from.
struct CheckpointManifest: Codable, Sendable, Equatable {
    struct FileEntry: Codable, Sendable, Equatable {
        var path: String
        var size: Int64
        var sha256: String
    }

    var format = "transtok-checkpoint/1"
    var workspace: String
    var number: Int
    var parent: Int?
    var createdAt: Double
    var sourceModel: String
    var targetTokenizer: String?
    var pairs: Int
    var files: [FileEntry]
    /// Free-form figures from the pipeline (alignment and mapping statistics, timings).
    var statistics: [String: Double]
}

/// Publishes checkpoints atomically: the model is written into a hidden temporary directory, the manifest is
/// written last, everything is fsynced, and one rename makes the numbered directory appear. A crash at any point
/// leaves either the previous state or a complete checkpoint; leftovers are cleaned at start-up.
struct CheckpointPublisher: Sendable {
    let root: String
    let store: Store
    let logger: Logger

    /// `<state>/checkpoints/<workspace>`.
    func directory(for workspace: String) -> String { root + "/" + workspace }

    static func name(for number: Int) -> String { String(format: "%06d", number) }

    /// A fresh hidden path for checkpoint `number` (not created: the model writer builds it).
    func beginCheckpoint(workspace: String, number: Int) throws -> String {
        let parent = directory(for: workspace)
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        return parent + "/.\(Self.name(for: number)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Removes an unfinished checkpoint directory (nothing when it was published: the rename moved it away).
    func discard(temporary: String) {
        guard FileManager.default.fileExists(atPath: temporary) else { return }
        do {
            try FileManager.default.removeItem(atPath: temporary)
            logger.info("removed the unfinished checkpoint of a failed cycle", metadata: ["path": "\(temporary)"])
        } catch {
            logger.warning(
                "cannot remove an unfinished checkpoint; it goes at the next start",
                metadata: [
                    "path": "\(temporary)", "error": "\(error)",
                ])
        }
    }

    /// Writes the model card (`CheckpointCard`), hashes the files, writes `manifest.json`, fsyncs and renames `temporary` into place, then records it.
    @discardableResult
    func publish(
        temporary: String, workspaceID: Int64, workspace: String, number: Int, parent: Int?, sourceModel: String,
        targetTokenizer: String?, pairs: Int, appliedSeq: Int64, statistics: [String: Double],
        digests: FileDigestCache = FileDigestCache()
    ) throws -> CheckpointRecord {
        let spec = try store.workspaces().first { $0.id == workspaceID }?.spec
        try CheckpointCard.make(
            directory: temporary, spec: spec, workspace: workspace, number: number, sourceModel: sourceModel,
            pairs: pairs, statistics: statistics
        ).write(into: URL(fileURLWithPath: temporary))
        var entries: [CheckpointManifest.FileEntry] = []
        var total: Int64 = 0
        for relative in try FileManager.default.subpathsOfDirectory(atPath: temporary).sorted() {
            let path = temporary + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            entries.append(.init(path: relative, size: Int64(info.st_size), sha256: try digests.sha256Hex(path: path)))
            total += Int64(info.st_size)
            try Self.fsync(path: path)
        }
        let manifest = CheckpointManifest(
            workspace: workspace, number: number, parent: parent, createdAt: Date().timeIntervalSince1970,
            sourceModel: sourceModel, targetTokenizer: targetTokenizer, pairs: pairs, files: entries,
            statistics: statistics)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifestData = try encoder.encode(manifest)
        let manifestPath = temporary + "/" + CheckpointLayout.manifest
        let final = directory(for: workspace) + "/" + Self.name(for: number)
        do {
            try DurableFile.write(manifestData, to: manifestPath)
            try DurableDirectory.publish(temporary, at: final)
        } catch {
            throw CheckpointError("cannot publish \(final): \(error)")
        }
        let record = CheckpointRecord(
            workspaceID: workspaceID, number: number, path: final, manifestSHA256: Digest.sha256Hex(manifestData),
            parentNumber: parent, pairCount: pairs, sizeBytes: total + Int64(manifestData.count),
            createdAt: manifest.createdAt, appliedSeq: appliedSeq)
        try store.recordCheckpoint(record)
        // The rows shard a failed attempt kept for its retry is in this checkpoint now (or stale): not needed.
        KeptShards(checkpointDirectory: directory(for: workspace), logger: logger).clear()
        logger.info(
            "checkpoint published",
            metadata: [
                "workspace": "\(workspace)", "checkpoint.number": "\(number)",
                "checkpoint.bytes": "\(record.sizeBytes)",
            ])
        return record
    }

    /// Start-up reconciliation: removes half-written temporary directories and records complete checkpoints that
    /// were renamed into place just before a crash (before the store row was written).
    func recover(workspaceID: Int64, workspace: String) throws {
        let parent = directory(for: workspace)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        let known = Set(try store.checkpoints(workspaceID: workspaceID).map(\.number))
        for name in names {
            let path = parent + "/" + name
            if name.contains(".tmp-") {
                try FileManager.default.removeItem(atPath: path)
                logger.info("removed an unfinished checkpoint", metadata: ["path": "\(path)"])
                continue
            }
            guard let number = Int(name), !known.contains(number),
                let data = FileManager.default.contents(atPath: path + "/" + CheckpointLayout.manifest),
                let manifest = try? JSONDecoder().decode(CheckpointManifest.self, from: data)
            else { continue }
            try store.recordCheckpoint(
                CheckpointRecord(
                    workspaceID: workspaceID, number: number, path: path, manifestSHA256: Digest.sha256Hex(data),
                    parentNumber: manifest.parent, pairCount: manifest.pairs,
                    sizeBytes: manifest.files.reduce(Int64(data.count)) { $0 + $1.size }, createdAt: manifest.createdAt,
                    appliedSeq: Int64(manifest.statistics["applied_seq"] ?? 0)))
        }
    }

    /// Keeps the newest `keep` checkpoints and deletes the rest (directory first, then the row). A directory is
    /// first renamed to a hidden `.tmp-` name, so a crash in the middle of deleting it never leaves a numbered
    /// checkpoint with files missing (`recover` removes the hidden leftover at start-up).
    func applyRetention(workspaceID: Int64, keep: Int) throws {
        for old in try store.checkpoints(workspaceID: workspaceID).dropFirst(max(1, keep)) {
            let parent = (old.path as NSString).deletingLastPathComponent
            let retired = parent + "/.\((old.path as NSString).lastPathComponent).tmp-retired-\(getpid())"
            if rename(old.path, retired) == 0 {
                try Self.fsync(path: parent)
            } else if errno != ENOENT { // already gone (a crash after the rename): only the row is left to mark
                logger.warning(
                    "cannot retire an old checkpoint; kept",
                    metadata: [
                        "path": "\(old.path)", "error": "\(String(cString: strerror(errno)))",
                    ])
                continue
            }
            do { try FileManager.default.removeItem(atPath: retired) } catch {
                // Hidden and unpublished now; `recover` removes it at the next start.
                logger.warning(
                    "cannot delete a retired checkpoint", metadata: ["path": "\(retired)", "error": "\(error)"])
            }
            try store.markCheckpointDeleted(workspaceID: workspaceID, number: old.number)
        }
    }

    static func fsync(path: String) throws {
        do { try DurableFile.sync(path: path) } catch { throw CheckpointError(error.description) }
    }
}

struct CheckpointError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
