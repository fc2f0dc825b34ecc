import Entities

/// `OutputDType` (Entities) resolved against a source model.
extension OutputDType {
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
