/// A GGUF file (llama.cpp's format), memory-mapped. Tensor names are GGUF's own (`blk.0.attn_q.weight`),
/// shapes are outermost-first and data is exactly as stored (no q/k un-permutation). For Hugging Face names
/// and layout use `llamaTensors()`.
public final class GGUFFile: TensorFile, @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let alignment: Int
    /// Absolute offset of the tensor data section.
    public let dataOffset: Int
    public let tensorNames: [String]
    private let tensors: [String: GGUFHeader.Tensor]
    private let file: MappedFile

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        let header = try GGUFHeader.parse(file.bytes, path: path)
        self.file = file
        self.path = path
        version = header.version
        metadata = header.metadata
        metadataKeys = header.metadataOrder
        alignment = header.alignment
        dataOffset = header.dataStart
        tensorNames = header.tensors.map(\.info.name)
        tensors = Dictionary(uniqueKeysWithValues: header.tensors.map { ($0.info.name, $0) })
    }

    public func info(_ name: String) -> TensorInfo? { tensors[name]?.info }

    /// Absolute byte range of a tensor's data in the file.
    public func byteRange(_ name: String) -> Range<Int>? { tensors[name]?.range }

    public func view(_ name: String) throws -> TensorView {
        guard let t = tensors[name] else { throw ModelFileError.tensorNotFound(name: name) }
        return TensorView(info: t.info, bytes: UnsafeRawBufferPointer(rebasing: file.bytes[t.range]), owner: file)
    }

    // MARK: metadata helpers

    public subscript(key: String) -> GGUFValue? { metadata[key] }

    public var architecture: String? { metadata["general.architecture"]?.string }

    /// `{architecture}.{suffix}`, e.g. `llama.block_count`.
    public func archValue(_ suffix: String) -> GGUFValue? {
        guard let arch = architecture else { return nil }
        return metadata["\(arch).\(suffix)"]
    }

    /// An array of strings, or nil when absent or of another type.
    public func strings(_ key: String) -> [String]? {
        guard let a = metadata[key]?.array else { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for v in a {
            guard let s = v.string else { return nil }
            out.append(s)
        }
        return out
    }
}
