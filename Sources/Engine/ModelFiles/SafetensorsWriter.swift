import Foundation

/// Writes tensors as safetensors, sharded by a maximum shard size (HF naming `model-00001-of-00003.safetensors`
/// plus `model.safetensors.index.json`, written last; a single `model.safetensors` when everything fits).
/// Each file is written to a temporary name, fsync'ed and renamed. Float tensors are stored as
/// `outputDType` (F32, F16 or BF16) with one cast from Float32; other dtypes are copied byte for byte.
/// Tensors from a `TensorFile` are read only while their shard is written, so memory stays bounded.
public struct SafetensorsWriter {
    public enum Payload {
        /// Values to store as `outputDType`.
        case float32([Float])
        /// Raw little-endian bytes in the given (non-quantised) dtype, stored unchanged.
        case raw([UInt8], TensorDType)
        /// A tensor of another file: copied byte for byte when its dtype already equals the output dtype
        /// (or is not a float type), else dequantised/converted through Float32.
        case tensor(any TensorFile, name: String)
    }

    struct Entry {
        var name: String
        var shape: [Int]
        var payload: Payload
        var dtype: TensorDType
        var byteCount: Int
    }

    public let outputDType: TensorDType
    public let maxShardBytes: Int
    public var metadata: [(String, String)] = [("format", "pt")]
    private var entries: [Entry] = []
    private var names = Set<String>()

    public init(outputDType: TensorDType = .f32, maxShardBytes: Int = 5_000_000_000) throws {
        guard [.f32, .f16, .bf16].contains(outputDType) else {
            throw ModelFileError.unsupportedDType(name: "(output)", dtype: outputDType.rawValue)
        }
        guard maxShardBytes > 0 else { throw ModelFileError.invalidConfig("maxShardBytes must be positive") }
        self.outputDType = outputDType
        self.maxShardBytes = maxShardBytes
    }

    public var tensorCount: Int { entries.count }

    /// Bytes of tensor data `write` stores (headers excluded).
    public var totalBytes: Int { entries.reduce(0) { $0 + $1.byteCount } }

    public mutating func add(_ name: String, shape: [Int], _ payload: Payload) throws {
        guard !name.isEmpty, name != "__metadata__", names.insert(name).inserted else {
            throw ModelFileError.invalidConfig("tensor name '\(name)' is empty, reserved or already added")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ModelFileError.shapeMismatch(name: name, expected: shape, elementCount: -1)
        }
        let count = shape.reduce(1, *)
        let dtype: TensorDType
        switch payload {
        case .float32(let v):
            guard v.count == count else {
                throw ModelFileError.shapeMismatch(name: name, expected: shape, elementCount: v.count)
            }
            dtype = outputDType
        case .raw(let bytes, let d):
            guard !d.isQuantized, d.byteCount(elements: count) == bytes.count else {
                throw ModelFileError.shapeMismatch(name: name, expected: shape, elementCount: bytes.count)
            }
            dtype = d
        case .tensor(let file, let source):
            guard let info = file.info(source) else { throw ModelFileError.tensorNotFound(name: source) }
            guard info.elementCount == count else {
                throw ModelFileError.shapeMismatch(name: name, expected: shape, elementCount: info.elementCount)
            }
            if info.dtype.isFloatConvertible {
                dtype = outputDType
            } else {
                dtype = info.dtype
            }
        }
        entries.append(
            Entry(
                name: name, shape: shape, payload: payload, dtype: dtype,
                byteCount: dtype.byteCount(elements: count) ?? 0))
    }

    /// Convenience: every tensor of `file`, under its own names.
    public mutating func addAll(from file: any TensorFile, except skipped: Set<String> = []) throws {
        for n in file.tensorNames where !skipped.contains(n) {
            guard let info = file.info(n) else { continue }
            try add(n, shape: info.shape, .tensor(file, name: n))
        }
    }

    /// The shard assignment: consecutive tensors fill a shard until the next would exceed `maxShardBytes`
    /// (a tensor larger than the limit gets a shard of its own).
    func plan() -> [[Int]] {
        var shards: [[Int]] = []
        var current: [Int] = []
        var size = 0
        for (i, e) in entries.enumerated() {
            if !current.isEmpty, size + e.byteCount > maxShardBytes {
                shards.append(current)
                current = []
                size = 0
            }
            current.append(i)
            size += e.byteCount
        }
        if !current.isEmpty || shards.isEmpty { shards.append(current) }
        return shards
    }

    /// Write into `directory` (which must exist). Returns the file names written, the index last when sharded.
    @discardableResult
    public func write(to directory: URL, baseName: String = "model") throws -> [String] {
        let shards = plan()
        var written: [String] = []
        var weightMap: [(String, JSONValue)] = []
        for (k, shard) in shards.enumerated() {
            let fileName =
                shards.count == 1
                ? CheckpointLayout.singleFileName(baseName: baseName)
                : CheckpointLayout.shardFileName(baseName: baseName, index: k + 1, count: shards.count)
            try writeShard(shard.map { entries[$0] }, to: directory.appendingPathComponent(fileName).path)
            written.append(fileName)
            for i in shard { weightMap.append((entries[i].name, .string(fileName))) }
        }
        if shards.count > 1 {
            weightMap.sort { $0.0 < $1.0 }
            let total = entries.reduce(0) { $0 + $1.byteCount }
            let index: JSONValue = .object([
                ("metadata", .object([("total_size", .int(total))])),
                ("weight_map", .object(weightMap)),
            ])
            let indexName = CheckpointLayout.indexFileName(baseName: baseName)
            try AtomicFile.write(
                Array((index.serialized(indent: 2) + "\n").utf8), to: directory.appendingPathComponent(indexName).path)
            written.append(indexName)
        }
        try AtomicFile.syncDirectory(directory.path)
        return written
    }

    /// The JSON header for `shard`, padded with spaces so the data section starts 8-byte aligned.
    static func header(for shard: [Entry], metadata: [(String, String)]) -> [UInt8] {
        var members: [(String, JSONValue)] = []
        if !metadata.isEmpty { members.append(("__metadata__", .object(metadata.map { ($0.0, .string($0.1)) }))) }
        var offset = 0
        for e in shard {
            members.append(
                (
                    e.name,
                    .object([
                        ("dtype", .string(e.dtype.rawValue)),
                        ("shape", .array(e.shape.map(JSONValue.int))),
                        ("data_offsets", .array([.int(offset), .int(offset + e.byteCount)])),
                    ])
                ))
            offset += e.byteCount
        }
        var json = Array(JSONValue.object(members).serialized(indent: nil).utf8)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
    }

    /// Within a shard, larger element types come first (stable), as the safetensors library orders them,
    /// so every tensor starts aligned to its element size and typed zero-copy views work.
    static func alignedOrder(_ shard: [Entry]) -> [Entry] {
        shard.enumerated().sorted { a, b in
            let (x, y) = (a.element.dtype.block.bytes, b.element.dtype.block.bytes)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
    }

    private func writeShard(_ unordered: [Entry], to path: String) throws {
        let shard = Self.alignedOrder(unordered)
        let file = try AtomicFile(path: path)
        try file.write(Self.header(for: shard, metadata: metadata))
        for e in shard { try writePayload(e, to: file) }
        try file.commit()
    }

    private func writePayload(_ e: Entry, to file: AtomicFile) throws {
        switch e.payload {
        case .float32(let values):
            try values.withUnsafeBufferPointer { try writeFloats($0, dtype: e.dtype, to: file) }
        case .raw(let bytes, _):
            try file.write(bytes)
        case .tensor(let source, let name):
            let view = try source.view(name)
            // Stored bytes are usable as-is unless a conversion or undoing a GGUF converter change (q/k permutation,
            // Gemma's 1 + w norms) is needed.
            let transformed = (source as? GGUFLlamaTensors)?.isTransformed(name) ?? false
            if view.info.dtype == e.dtype, !view.info.dtype.isQuantized, !transformed {
                try file.write(view.bytes) // unchanged bytes, no conversion
            } else {
                let values = try source.float32(name)
                try values.withUnsafeBufferPointer { try writeFloats($0, dtype: e.dtype, to: file) }
            }
        }
    }

    private func writeFloats(_ values: UnsafeBufferPointer<Float>, dtype: TensorDType, to file: AtomicFile) throws {
        let chunk = 1 << 18
        let elementSize = dtype.block.bytes
        var buffer = [UInt8](repeating: 0, count: chunk * elementSize)
        var start = 0
        while start < values.count {
            let n = min(chunk, values.count - start)
            try buffer.withUnsafeMutableBytes { raw in
                FloatConversion.encode(
                    UnsafeBufferPointer(rebasing: values[start..<(start + n)]), as: dtype,
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(n * elementSize)]))
                try file.write(UnsafeRawBufferPointer(rebasing: raw[0..<(n * elementSize)]))
            }
            start += n
        }
    }
}
