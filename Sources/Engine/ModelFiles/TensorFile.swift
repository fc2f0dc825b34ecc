/// Element types of tensors in safetensors and GGUF files.
public enum TensorDType: String, Sendable, Hashable, CaseIterable {
    // Plain element types (safetensors names).
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    // GGML block-quantised types (GGUF only).
    case q4_0 = "Q4_0", q4_1 = "Q4_1", q5_0 = "Q5_0", q5_1 = "Q5_1", q8_0 = "Q8_0"
    case q4_K = "Q4_K", q5_K = "Q5_K", q6_K = "Q6_K"

    /// Elements per block and bytes per block (1 element per "block" for plain types).
    public var block: (elements: Int, bytes: Int) {
        switch self {
        case .f64, .i64, .u64: (1, 8)
        case .f32, .i32, .u32: (1, 4)
        case .f16, .bf16, .i16, .u16: (1, 2)
        case .i8, .u8, .bool: (1, 1)
        case .q4_0: (32, 18)
        case .q4_1: (32, 20)
        case .q5_0: (32, 22)
        case .q5_1: (32, 24)
        case .q8_0: (32, 34)
        case .q4_K: (256, 144)
        case .q5_K: (256, 176)
        case .q6_K: (256, 210)
        }
    }

    public var isQuantized: Bool { block.elements > 1 }

    /// Whether `float32(_:)` can decode this type.
    public var isFloatConvertible: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K: true
        default: false
        }
    }

    /// Byte length of `elements` elements, or nil when they are not whole blocks or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        let (per, size) = block
        guard elements >= 0, elements % per == 0 else { return nil }
        let (n, overflow) = (elements / per).multipliedReportingOverflow(by: size)
        return overflow ? nil : n
    }
}

/// Name, shape (outermost dimension first, as in PyTorch) and element type of one tensor.
public struct TensorInfo: Sendable, Hashable {
    public var name: String
    public var shape: [Int]
    public var dtype: TensorDType

    public init(name: String, shape: [Int], dtype: TensorDType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A zero-copy view of one tensor's bytes inside a mapped file. `owner` keeps the mapping alive for as long
/// as the view exists; do not let `bytes` escape beyond the view's lifetime.
public struct TensorView: @unchecked Sendable {
    public let info: TensorInfo
    public let bytes: UnsafeRawBufferPointer
    public let owner: AnyObject

    /// The elements as a typed buffer, when the file's alignment allows it (safetensors data is 8-byte
    /// aligned from the data start, GGUF data at least 32-byte aligned). Returns nil for a misaligned start.
    public func typed<T>(as _: T.Type) -> UnsafeBufferPointer<T>? {
        guard MemoryLayout<T>.size > 0, bytes.count % MemoryLayout<T>.stride == 0 else { return nil }
        guard let base = bytes.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        guard Int(bitPattern: base) % MemoryLayout<T>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(
            start: base.assumingMemoryBound(to: T.self), count: bytes.count / MemoryLayout<T>.stride)
    }
}

/// A file (or set of files) of named tensors: safetensors, sharded safetensors, GGUF.
public protocol TensorFile: Sendable {
    /// Tensor names in file order.
    var tensorNames: [String] { get }
    func info(_ name: String) -> TensorInfo?
    /// The tensor's raw bytes, zero-copy from the mapping (any dtype, including quantised blocks).
    func view(_ name: String) throws -> TensorView
    /// The tensor dequantised / converted to Float32, row-major in `info(name).shape`.
    func float32(_ name: String) throws -> [Float]
}

extension TensorFile {
    public var tensorInfos: [TensorInfo] { tensorNames.compactMap { info($0) } }

    public func float32(_ name: String) throws -> [Float] {
        let v = try view(name)
        return try FloatConversion.decode(v.bytes, dtype: v.info.dtype, count: v.info.elementCount, name: name)
    }
}
