import Foundation
import Systems

/// One safetensors file, memory-mapped; tensor views are zero-copy slices of the mapping.
public final class SafetensorsFile: TensorFile, @unchecked Sendable {
    public let path: String
    public let metadata: [String: String]
    /// Tensor names in data order.
    public let tensorNames: [String]
    /// Absolute offset of the data section (tensor byte ranges start here, 8-byte aligned when written by HF).
    public let dataOffset: Int
    private let entries: [String: SafetensorsHeader.Entry]
    private let file: MappedFile

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        let header = try SafetensorsHeader.parse(file.bytes, path: path)
        self.file = file
        self.path = path
        metadata = header.metadata
        dataOffset = header.dataStart
        tensorNames = header.entries.map(\.info.name)
        entries = Dictionary(uniqueKeysWithValues: header.entries.map { ($0.info.name, $0) })
    }

    public func info(_ name: String) -> TensorInfo? { entries[name]?.info }

    public func byteRange(_ name: String) -> Range<Int>? { entries[name]?.range }

    public func view(_ name: String) throws -> TensorView {
        guard let e = entries[name] else { throw ModelFileError.tensorNotFound(name: name) }
        return TensorView(info: e.info, bytes: UnsafeRawBufferPointer(rebasing: file.bytes[e.range]), owner: file)
    }
}

/// A sharded checkpoint: `model.safetensors.index.json` (`weight_map`: tensor → shard file) and its shards.
public final class ShardedSafetensors: TensorFile, @unchecked Sendable {
    public let indexPath: String
    public let shards: [String: SafetensorsFile]
    /// Shard file name for each tensor.
    public let weightMap: [String: String]
    public let tensorNames: [String]

    public init(indexPath: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
            throw ModelFileError.cannotOpen(path: indexPath, reason: FileErrorText.reason(error, path: indexPath))
        }
        guard data.count <= SafetensorsHeader.maxHeaderBytes else {
            throw ModelFileError.invalidHeader(
                path: indexPath, reason: "index larger than \(SafetensorsHeader.maxHeaderBytes) bytes")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: [UInt8](data)) } catch {
            throw ModelFileError.invalidHeader(path: indexPath, reason: FileErrorText.reason(error))
        }
        guard let map = json["weight_map"]?.object else {
            throw ModelFileError.invalidHeader(path: indexPath, reason: "no weight_map object")
        }
        let dir = URL(fileURLWithPath: indexPath).deletingLastPathComponent()
        var weightMap: [String: String] = [:]
        var shards: [String: SafetensorsFile] = [:]
        var order: [String] = []
        for (tensor, fileValue) in map {
            guard let file = fileValue.string, !file.isEmpty, !file.contains("/"), file != "..", file != "." else {
                throw ModelFileError.invalidHeader(
                    path: indexPath, reason: "weight_map['\(tensor)'] is not a plain file name")
            }
            if shards[file] == nil {
                shards[file] = try SafetensorsFile(path: dir.appendingPathComponent(file).path)
                order.append(file)
            }
            weightMap[tensor] = file
        }
        // Every shard tensor is listed for that shard, and every listed tensor exists.
        for (tensor, file) in weightMap where shards[file]?.info(tensor) == nil {
            throw ModelFileError.invalidHeader(path: indexPath, reason: "tensor '\(tensor)' is not in shard \(file)")
        }
        var names: [String] = []
        for file in order {
            for t in shards[file]?.tensorNames ?? [] {
                guard let mapped = weightMap[t] else {
                    throw ModelFileError.invalidHeader(
                        path: indexPath, reason: "tensor '\(t)' of shard \(file) has no weight_map entry")
                }
                guard mapped == file else {
                    throw ModelFileError.invalidHeader(
                        path: indexPath, reason: "shard \(file) holds '\(t)', which the index maps to \(mapped)")
                }
                names.append(t)
            }
        }
        self.indexPath = indexPath
        self.shards = shards
        self.weightMap = weightMap
        tensorNames = names
    }

    public func info(_ name: String) -> TensorInfo? { weightMap[name].flatMap { shards[$0]?.info(name) } }

    public func view(_ name: String) throws -> TensorView {
        guard let file = weightMap[name], let shard = shards[file] else {
            throw ModelFileError.tensorNotFound(name: name)
        }
        return try shard.view(name)
    }

    /// The shard file holding `name` (for hard-linking unchanged shards).
    public func shard(for name: String) -> SafetensorsFile? { weightMap[name].flatMap { shards[$0] } }
}

/// Opening any supported model file or directory.
public enum TensorFiles {
    /// `.gguf` → `GGUFLlamaTensors` (HF names) for GGUFs of a `GGUFArchitecture` (llama, qwen2, gemma*, phi3), else `GGUFFile`; `.safetensors` →
    /// `SafetensorsFile`; `*.index.json` or a directory holding one → `ShardedSafetensors`; a directory with
    /// `model.safetensors` → that file.
    public static func open(path: String) throws -> any TensorFile {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ModelFileError.cannotOpen(path: path, reason: "no such file or directory")
        }
        if isDir.boolValue {
            let dir = URL(fileURLWithPath: path)
            let index = dir.appendingPathComponent("model.safetensors.index.json").path
            if FileManager.default.fileExists(atPath: index) { return try ShardedSafetensors(indexPath: index) }
            let single = dir.appendingPathComponent("model.safetensors").path
            if FileManager.default.fileExists(atPath: single) { return try SafetensorsFile(path: single) }
            throw ModelFileError.cannotOpen(path: path, reason: "no model.safetensors or model.safetensors.index.json")
        }
        if path.hasSuffix(".index.json") { return try ShardedSafetensors(indexPath: path) }
        if path.hasSuffix(".gguf") {
            let g = try GGUFFile(path: path)
            return GGUFLlamaTensors.architectures.contains(g.architecture ?? "") ? try GGUFLlamaTensors(g) : g
        }
        return try SafetensorsFile(path: path)
    }
}
