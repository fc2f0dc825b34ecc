import Engine
import Foundation
import Hashing
import Logging

/// The tensors a refresh never changes (the transformer body: everything but the token embedding and the LM
/// head), written once per workspace and source model as one F32 safetensors file. Every checkpoint hard-links it
/// instead of dequantising and rewriting the body each cycle, so a refresh writes only the embedding/head shard and
/// the checkpoints of a workspace share one copy of the body on disk.
///
/// The file lives under `<state>/workspaces/<name>/base/<key>/model-base.safetensors`, where `key` identifies the
/// source model file (path, size, modification time) and the output dtype: a replaced source model gets a new base.
/// It is built in a hidden temporary directory and renamed into place, so a crash never leaves a partial base; the
/// file is made read-only because every checkpoint shares its inode.
enum BaseWeights {
    static let fileName = "model-base.safetensors"

    /// Tensors refreshed by the pipeline, hence never part of the base.
    static let refreshedTensors: Set<String> = ["model.embed_tokens.weight", "lm_head.weight"]

    /// Opens the base for `model`, writing it first when missing. Older bases of the workspace are removed (the
    /// checkpoints that link them keep their own links).
    static func open(
        model: SourceModel, sourcePath: String, workspaceDirectory: String, dtype: TensorDType, logger: Logger
    ) throws -> SafetensorsFile {
        let root = workspaceDirectory + "/base"
        let key = try identity(sourcePath: sourcePath, dtype: dtype)
        let directory = root + "/" + key
        let path = directory + "/" + fileName
        if FileManager.default.fileExists(atPath: path) { return try SafetensorsFile(path: path) }

        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            do { try FileManager.default.removeItem(atPath: root + "/" + stale) } catch {
                logger.warning("cannot remove old base weights", metadata: ["path": "\(root)/\(stale)", "error": "\(error)"])
            }
        }
        let temporary = root + "/.\(key).tmp-\(getpid())"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var writer = try SafetensorsWriter(outputDType: dtype)
        try writer.addAll(from: model.tensors, except: refreshedTensors)
        _ = try writer.write(to: URL(fileURLWithPath: temporary), baseName: "model-base")
        chmod(temporary + "/" + fileName, 0o444)
        guard rename(temporary, directory) == 0 else {
            throw CheckpointError("cannot move the base weights into \(directory): \(String(cString: strerror(errno)))")
        }
        try CheckpointPublisher.fsync(path: root)
        return try SafetensorsFile(path: path)
    }

    /// A short name that changes whenever the source model file or the output dtype does.
    static func identity(sourcePath: String, dtype: TensorDType) throws -> String {
        var info = stat()
        guard stat(sourcePath, &info) == 0 else {
            throw CheckpointError("cannot stat the source model \(sourcePath): \(String(cString: strerror(errno)))")
        }
        let description = "\(sourcePath)|\(info.st_size)|\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)|\(dtype.rawValue)"
        return String(Digest.sha256Hex(description).prefix(16))
    }
}
