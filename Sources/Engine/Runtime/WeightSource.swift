/// Where the runtime gets its weights: anything that can name tensors, give their shapes (outermost first, as in
/// PyTorch: a linear layer's weight is `[out, in]`) and hand them over as F32. The model-file readers
/// (`GGUFFile`, `SafetensorsFile`, …) are adapted to this; tests and Hydra assembly use `InMemoryWeights`.
public protocol WeightSource: AnyObject {
    /// Shape of `name`, or `nil` when the tensor is absent.
    func shape(of name: String) -> [Int]?
    /// The tensor dequantised to F32, row-major. Called once per tensor; the runtime keeps the result.
    func float32(_ name: String) throws -> [Float]
    /// A zero-copy view of `name` when the file stores it as little-endian F32 (e.g. an mmapped safetensors file),
    /// else `nil`. The returned storage keeps whatever owns the bytes alive.
    func float32View(_ name: String) -> FloatStorage?
    /// `name` as a `[rows, columns]` matrix in its stored format (borrowed from the mapping, dequantised tile by
    /// tile in the matmuls), or nil when the source cannot lend it (then the runtime uses `float32(_:)`).
    func storedMatrix(_ name: String, rows: Int, columns: Int) -> WeightMatrix?
}

extension WeightSource {
    public func float32View(_ name: String) -> FloatStorage? { nil }
    public func storedMatrix(_ name: String, rows: Int, columns: Int) -> WeightMatrix? { nil }
}

/// Errors while turning a `WeightSource` and a configuration into a runnable model.
public enum RuntimeError: Error, CustomStringConvertible, Equatable {
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case invalidConfig(String)
    case tokenOutOfRange(id: Int, vocabulary: Int)
    case contextOverflow(needed: Int, limit: Int)
    case emptyInput(String)

    public var description: String {
        switch self {
        case .missingTensor(let n): return "weight tensor '\(n)' is missing from the model file"
        case .shapeMismatch(let n, let e, let f): return "weight tensor '\(n)' has shape \(f), expected \(e)"
        case .invalidConfig(let m): return "invalid model configuration: \(m)"
        case .tokenOutOfRange(let id, let v): return "token id \(id) is outside the input vocabulary (0..<\(v))"
        case .contextOverflow(let n, let l): return "sequence of \(n) tokens exceeds the context limit \(l)"
        case .emptyInput(let m): return "empty input: \(m)"
        }
    }
}

/// A tensor kept in memory by name (weights built in code, tests, Hydra tables assembled on the fly).
public final class InMemoryWeights: WeightSource, @unchecked Sendable {
    public private(set) var tensors: [String: (shape: [Int], values: [Float])] = [:]

    public init() {}

    public func set(_ name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        tensors[name] = (shape, values)
    }

    public func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    public func float32(_ name: String) throws -> [Float] {
        guard let t = tensors[name] else { throw RuntimeError.missingTensor(name) }
        return t.values
    }
}
