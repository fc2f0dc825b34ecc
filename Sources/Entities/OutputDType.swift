/// The dtype an output model stores its float tensors in: `auto` keeps the source's (BF16 for a quantised source),
/// or one of F32, F16, BF16. One type for every layer: `transfer`/`convert --dtype`, a workspace's `dtype` setting
/// (config file, control API, CLI, store); Engine adds how `auto` resolves against a source (`resolve`).
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

    /// Decodes a name or an alias (`float32`…); anything else is an error naming the allowed values.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let dtype = OutputDType(name: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "must be one of \(Self.allowedNames), got \(text)"
                )
            )
        }
        self = dtype
    }
}
