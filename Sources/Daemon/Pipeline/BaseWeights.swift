import Engine
import Foundation
import Hashing
import Logging
import Systems

/// The tensors a refresh never changes (the model body: everything but the tables a transfer replaces), prepared
/// once per workspace, source model and output dtype. Every checkpoint (and Hydra directory) hard-links the base's
/// shards and writes only the changed tables, so a refresh writes the embedding/head bytes and nothing else.
///
/// `<state>/workspaces/<name>/base/<key>/` holds `model.safetensors.index.json` and its shards:
/// - a safetensors source's shards that hold no replaced table and are already in the output dtype, reused as they
///   are: hard-linked when on the same filesystem, else copied (once per base);
/// - every other body tensor (from shards that mix tables with body tensors, from a source in another dtype, from
///   a GGUF: dequantised/converted once) in `model-base*.safetensors`, sharded at the usual 5 GB.
/// `key` identifies the source model (path, size, modification time) and the dtype: a replaced source gets a new
/// base and older ones are removed. The base is built in a hidden temporary directory and renamed into place, so a
/// crash never leaves a partial base; an existing base that fails to open is reported, never deleted and rewritten.
/// Files written here are made read-only (checkpoints share their inodes); linked source shards keep their mode.
enum BaseWeights {
    static let layoutVersion = "2"

    /// Opens the base for `model`, building it first when missing.
    static func open(
        model: SourceModel, sourcePath: String, workspaceDirectory: String, dtype: TensorDType, logger: Logger
    ) throws -> any TensorFile {
        let root = workspaceDirectory + "/base"
        let key = try identity(sourcePath: sourcePath, dtype: dtype)
        let directory = root + "/" + key
        let index = directory + "/" + CheckpointLayout.weightIndex
        if FileManager.default.fileExists(atPath: directory) {
            do { return try ShardedSafetensors(indexPath: index) } catch {
                throw CheckpointError(
                    "the base weights in \(directory) cannot be opened (\(error)); remove the directory to rebuild them"
                )
            }
        }

        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where stale != key {
            do { try FileManager.default.removeItem(atPath: root + "/" + stale) } catch {
                logger.warning(
                    "cannot remove old base weights", metadata: ["path": "\(root)/\(stale)", "error": "\(error)"])
            }
        }
        let temporary = root + "/.\(key).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var done = false
        defer { if !done { try? FileManager.default.removeItem(atPath: temporary) } }
        let plan = try write(model: model, dtype: dtype, into: temporary)
        logger.info(
            "base weights written",
            metadata: [
                "path": "\(directory)", "reused_shards": "\(plan.reused.count)",
                "written_bytes": "\(plan.writtenBytes)",
            ])
        do { try DurableDirectory.publish(temporary, at: directory) } catch {
            throw CheckpointError("cannot move the base weights into \(directory): \(error)")
        }
        done = true
        return try ShardedSafetensors(indexPath: index)
    }

    struct Plan {
        var reused: [String]
        var written: [String]
        var writtenBytes: Int
    }

    /// Writes the base into `directory` (empty): reused shards, converted body tensors, then the index.
    static func write(model: SourceModel, dtype: TensorDType, into directory: String) throws -> Plan {
        let refreshed = Set(model.config.roles.all + model.config.architecture.headTensors)
        let source = model.tensors
        var weightMap: [(String, String)] = []
        var reused: [String] = []
        var covered = Set<String>()
        for (file, shard) in shards(of: source) {
            let names = shard.tensorNames
            guard !names.isEmpty, names.allSatisfy({ !refreshed.contains($0) }),
                names.allSatisfy({ shard.info($0).map { $0.dtype == dtype || !$0.dtype.isFloatConvertible } ?? false }),
                !file.hasPrefix(CheckpointLayout.baseWeightsBaseName)
            else { continue }
            try linkOrCopy(shard.path, to: directory + "/" + file)
            reused.append(file)
            weightMap += names.map { ($0, file) }
            covered.formUnion(names)
        }
        var writer = try SafetensorsWriter(outputDType: dtype)
        for name in source.tensorNames where !refreshed.contains(name) && !covered.contains(name) {
            guard let info = source.info(name) else { throw ModelFileError.tensorNotFound(name: name) }
            try writer.add(name, shape: info.shape, .tensor(source, name: name))
        }
        let writtenBytes = writer.totalBytes
        var written: [String] = []
        if writer.tensorCount > 0 {
            let files = try writer.write(
                to: URL(fileURLWithPath: directory), baseName: CheckpointLayout.baseWeightsBaseName)
            for file in files where file.hasSuffix(".index.json") {
                try FileManager.default.removeItem(atPath: directory + "/" + file)
            }
            written = files.filter { $0.hasSuffix(".safetensors") }
            for file in written {
                let shard = try SafetensorsFile(path: directory + "/" + file)
                weightMap += shard.tensorNames.map { ($0, file) }
                chmod(directory + "/" + file, 0o444)
            }
        }
        weightMap.sort { $0.0 < $1.0 }
        let index: JSONValue = .object([
            ("metadata", .object([("total_size", .int(0))])),
            ("weight_map", .object(weightMap.map { ($0.0, .string($0.1)) })),
        ])
        let indexPath = directory + "/" + CheckpointLayout.weightIndex
        try Data((index.serialized(indent: 2) + "\n").utf8).write(to: URL(fileURLWithPath: indexPath))
        try CheckpointPublisher.fsync(path: indexPath)
        return Plan(reused: reused, written: written, writtenBytes: writtenBytes)
    }

    static func shards(of source: any TensorFile) -> [(String, SafetensorsFile)] {
        if let s = source as? SafetensorsFile { return [((s.path as NSString).lastPathComponent, s)] }
        if let s = source as? ShardedSafetensors {
            return s.shards.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        return []
    }

    /// Hard link on the same filesystem, else one copy (fsynced).
    static func linkOrCopy(_ from: String, to: String) throws {
        if link(from, to) == 0 { return }
        do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
            throw CheckpointError("cannot link or copy \(from) into the base weights: \(error)")
        }
        try CheckpointPublisher.fsync(path: to)
        chmod(to, 0o444)
    }

    /// A short name that changes whenever the source model file, the output dtype or this layout does.
    static func identity(sourcePath: String, dtype: TensorDType) throws -> String {
        var info = stat()
        guard stat(sourcePath, &info) == 0 else {
            throw CheckpointError("cannot stat the source model \(sourcePath): \(String(cString: strerror(errno)))")
        }
        let description =
            "\(sourcePath)|\(info.st_size)|\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)|\(dtype.rawValue)|v\(layoutVersion)"
        return String(Digest.sha256Hex(description).prefix(16))
    }
}
