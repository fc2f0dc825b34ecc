/// The dtype an output model stores its float tensors in: `auto` keeps the source's (BF16 for a quantised source),
/// or one of F32, F16, BF16.
public enum OutputDType: String, Sendable, CaseIterable, Codable {
    case auto, f32, f16, bf16

    /// `auto`, `f32`, `f16`, `bf16` (also `float32`, `float16`, `bfloat16`); nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "auto": self = .auto
        case "f32", "float32": self = .f32
        case "f16", "float16": self = .f16
        case "bf16", "bfloat16": self = .bf16
        default: return nil
        }
    }

    public static var allowedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The dtype to write for a source: an explicit choice as is; `auto` → BF16 when any tensor of the source is
    /// block-quantised, else the stored dtype of its token embedding (F64 → F32).
    public func resolve(source: any TensorFile, embedding: String) -> TensorDType {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .auto:
            if source.tensorNames.contains(where: { source.info($0)?.dtype.isQuantized == true }) { return .bf16 }
            switch source.info(embedding)?.dtype {
            case .f16: return .f16
            case .bf16: return .bf16
            default: return .f32
            }
        }
    }
}
