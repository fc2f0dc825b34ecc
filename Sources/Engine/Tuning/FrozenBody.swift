/// The transformer body of a Llama-family model as the trainer needs it: every layer's matrices and norms in F32,
/// read once (dequantised when the file stores them quantised or in half precision) and never changed. Tensors are
/// looked up by their Hugging Face names (`GGUFLlamaTensors` gives GGUF files those names).
final class FrozenBody: @unchecked Sendable {
    struct Layer {
        let attentionNorm: FloatBuffer
        let q: FloatBuffer, k: FloatBuffer, v: FloatBuffer, o: FloatBuffer
        let qBias: FloatBuffer?, kBias: FloatBuffer?, vBias: FloatBuffer?, oBias: FloatBuffer?
        let mlpNorm: FloatBuffer
        let gate: FloatBuffer, up: FloatBuffer, down: FloatBuffer
    }

    let layers: [Layer]
    let finalNorm: FloatBuffer

    /// `tensor(name)` returns the shape and F32 values of a tensor, or nil when the model has none by that name.
    init(config c: DecoderConfig, tensor: (String) throws -> (shape: [Int], values: [Float])?) throws {
        func load(_ name: String, _ shape: [Int]) throws -> FloatBuffer {
            guard let t = try tensor(name) else { throw TuningError.missingTensor(name) }
            guard t.shape == shape || (shape.count == 1 && t.shape.reduce(1, *) == shape[0]),
                t.values.count == shape.reduce(1, *)
            else {
                throw TuningError.shapeMismatch(tensor: name, expected: shape, found: t.shape)
            }
            return FloatBuffer(t.values)
        }
        func optional(_ name: String, _ shape: [Int], required: Bool) throws -> FloatBuffer? {
            if required { return try load(name, shape) }
            return try tensor(name) == nil ? nil : try load(name, shape)
        }
        let h = c.hiddenSize
        layers = try (0..<c.layerCount).map { l in
            let p = "model.layers.\(l)."
            return Layer(
                attentionNorm: try load(p + "input_layernorm.weight", [h]),
                q: try load(p + "self_attn.q_proj.weight", [c.queryDim, h]),
                k: try load(p + "self_attn.k_proj.weight", [c.kvDim, h]),
                v: try load(p + "self_attn.v_proj.weight", [c.kvDim, h]),
                o: try load(p + "self_attn.o_proj.weight", [h, c.queryDim]),
                qBias: try optional(p + "self_attn.q_proj.bias", [c.queryDim], required: c.attentionBias),
                kBias: try optional(p + "self_attn.k_proj.bias", [c.kvDim], required: c.attentionBias),
                vBias: try optional(p + "self_attn.v_proj.bias", [c.kvDim], required: c.attentionBias),
                oBias: try optional(p + "self_attn.o_proj.bias", [h], required: false),
                mlpNorm: try load(p + "post_attention_layernorm.weight", [h]),
                gate: try load(p + "mlp.gate_proj.weight", [c.intermediateSize, h]),
                up: try load(p + "mlp.up_proj.weight", [c.intermediateSize, h]),
                down: try load(p + "mlp.down_proj.weight", [h, c.intermediateSize]))
        }
        finalNorm = try load("model.norm.weight", [h])
    }

    /// From a model file's tensors (safetensors, sharded safetensors, or a Llama GGUF through `GGUFLlamaTensors`).
    convenience init(config: DecoderConfig, tensors: any TensorFile) throws {
        try self.init(config: config) { name in
            guard let info = tensors.info(name) else { return nil }
            return (info.shape, try tensors.float32(name))
        }
    }
}
