/// Checks a Llama-family checkpoint's tensors against its config before anything is written: every layer's
/// projections and norms exist with the shapes `config.json` implies (a missing index entry or a tensor of another
/// model shows up here, named, instead of as a failure halfway through a write).
enum LlamaShapeCheck {
    static func expectedShapes(_ c: LlamaConfig) -> [(String, [Int])] {
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim
        var out: [(String, [Int])] = [("model.norm.weight", [h])]
        for l in 0..<c.numHiddenLayers {
            let p = "model.layers.\(l)."
            out += [
                (p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h]),
                (p + "self_attn.q_proj.weight", [q, h]), (p + "self_attn.k_proj.weight", [kv, h]),
                (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.o_proj.weight", [h, q]),
                (p + "mlp.gate_proj.weight", [c.intermediateSize, h]),
                (p + "mlp.up_proj.weight", [c.intermediateSize, h]),
                (p + "mlp.down_proj.weight", [h, c.intermediateSize]),
            ]
        }
        return out
    }

    static func check(_ tensors: any TensorFile, _ config: LlamaConfig, path: String) throws {
        for (name, shape) in expectedShapes(config) {
            guard let info = tensors.info(name) else {
                throw ModelFileError.invalidConfig(
                    "\(path): tensor '\(name)' is missing (config.json has \(config.numHiddenLayers) layers)")
            }
            guard info.shape == shape else {
                throw ModelFileError.invalidConfig(
                    "\(path): tensor '\(name)' has shape \(info.shape), config.json implies \(shape)")
            }
        }
    }
}
