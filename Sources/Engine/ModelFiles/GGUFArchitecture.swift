/// The GGUF architectures transtok reads, as llama.cpp's converter (`convert_hf_to_gguf.py`) writes them from a
/// Hugging Face model: the HF `model_type`, the per-layer tensor names, and what the converter changed that must be
/// undone to get the HF tensors back (the `llama` q/k rotary permutation; Gemma's RMSNorm weights stored as `1 + w`).
/// One owner of these facts: `GGUFLlamaTensors` (names, transforms), `GGUFHuggingFaceConfig` (config.json).
public enum GGUFArchitecture: String, CaseIterable, Sendable {
    case llama, qwen2, gemma, gemma2, gemma3, phi3

    /// The supported `general.architecture` values, for messages.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The Hugging Face `model_type` of the text model (a `llama` GGUF with a sliding window is a Mistral: see
    /// `ModelConfig(llama:modelType:)`).
    public var modelType: String { self == .gemma3 ? "gemma3_text" : rawValue }

    /// Whether the converter permuted q/k projection rows (`LlamaModel.permute`; only `llama`).
    public var permutesQueryKey: Bool { self == .llama }

    public var isGemma: Bool { self == .gemma || self == .gemma2 || self == .gemma3 }

    /// Whether the Hugging Face config's blocks are plain Llama ones (`LlamaConfig` describes them fully).
    public var isLlamaLayout: Bool { self == .llama || self == .qwen2 }

    /// Gemma's converter stores every RMSNorm weight (`*_norm.weight`, `output_norm.weight`) as `1 + w`
    /// (`modify_tensors`: `data_torch + 1`), while HF stores `w` and applies `1 + w`: the value to subtract.
    func normShift(gguf name: String) -> Float? {
        isGemma && name.hasSuffix("norm.weight") ? 1 : nil
    }

    /// The HF name (after `model.layers.N.`) of a GGUF per-layer tensor part (`attn_q`, `ffn_norm`, …), from the
    /// converter's name table (`gguf-py` `tensor_mapping.py`) for this architecture.
    func huggingFaceLayerPart(_ part: String) -> String? {
        switch (self, part) {
        case (_, "attn_norm"): "input_layernorm"
        case (_, "attn_q"): "self_attn.q_proj"
        case (_, "attn_k"): "self_attn.k_proj"
        case (_, "attn_v"): "self_attn.v_proj"
        case (_, "attn_output"): "self_attn.o_proj"
        case (_, "ffn_gate"): "mlp.gate_proj"
        case (_, "ffn_down"): "mlp.down_proj"
        // Phi-3: fused q/k/v rows, and gate then up rows in one 2×-tall `ffn_up`.
        case (.phi3, "attn_qkv"): "self_attn.qkv_proj"
        case (.phi3, "ffn_up"): "mlp.gate_up_proj"
        case (_, "ffn_up"): "mlp.up_proj"
        // Gemma 2/3 sandwich norms: `ffn_norm` is the pre-MLP norm, `post_attention_norm` the attention output's.
        case (.gemma2, "ffn_norm"), (.gemma3, "ffn_norm"): "pre_feedforward_layernorm"
        case (.gemma2, "post_attention_norm"), (.gemma3, "post_attention_norm"): "post_attention_layernorm"
        case (.gemma2, "post_ffw_norm"), (.gemma3, "post_ffw_norm"): "post_feedforward_layernorm"
        case (_, "ffn_norm"): "post_attention_layernorm"
        case (.gemma3, "attn_q_norm"): "self_attn.q_norm"
        case (.gemma3, "attn_k_norm"): "self_attn.k_norm"
        default: nil
        }
    }
}
