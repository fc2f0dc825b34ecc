/// The arithmetic of one-row (decode) products on Q4_K, Q5_K and Q6_K weights.
///
/// - `quantized8` (the default): the activation vector is quantised to 8 bits per 256-value block once per product,
///   and integer kernels multiply it with the stored weights (`tk_matvec_q8`), as llama.cpp does. About twice as
///   fast as forming F32 weights; each activation moves by at most half a step, so a logit moves by a few 1e-2 on a
///   k-quant model (bounded in `RuntimeIntegerKernelTests`, measured in `GGUFQuantParityTests`).
/// - `float32`: the weights are dequantised to F32 and multiplied with the F32 activations: the same arithmetic as
///   prefill and as transformers on the dequantised weights (logits within 1e-4), for parity checks and evaluation.
///
/// Prefill (several rows), F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 weights always use F32 activations.
/// The raw values are the names `transtok generate --decode-activations` takes.
public enum DecodeActivations: String, Sendable, Equatable, CaseIterable {
    case quantized8
    case float32
}
