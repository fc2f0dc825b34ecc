/// The weights of a Llama-family decoder, F32, each held once (dequantised at load, or borrowed from the file when
/// it already stores F32).
final class LlamaWeights: @unchecked Sendable {
    struct Layer {
        var attentionNorm: FloatStorage
        var q: FloatStorage, k: FloatStorage, v: FloatStorage, o: FloatStorage
        var qBias: FloatStorage?, kBias: FloatStorage?, vBias: FloatStorage?, oBias: FloatStorage?
        var mlpNorm: FloatStorage
        var gate: FloatStorage, up: FloatStorage, down: FloatStorage
    }

    let embedding: FloatStorage
    let layers: [Layer]
    let finalNorm: FloatStorage
    /// `[outputVocabularySize, hidden]`; the embedding table's storage when tied.
    let head: FloatStorage

    init(config c: DecoderConfig, source: WeightSource) throws {
        let names = TensorNames.detect(in: source)
        func load(_ name: String, _ shape: [Int]) throws -> FloatStorage {
            guard let found = source.shape(of: name) else { throw RuntimeError.missingTensor(name) }
            guard found == shape || (shape.count == 1 && found.reduce(1, *) == shape[0]) else {
                throw RuntimeError.shapeMismatch(tensor: name, expected: shape, found: found)
            }
            if let view = source.float32View(name), view.count == shape.reduce(1, *) { return view }
            let values = try source.float32(name)
            guard values.count == shape.reduce(1, *) else {
                throw RuntimeError.shapeMismatch(tensor: name, expected: shape, found: [values.count])
            }
            return FloatStorage(values)
        }
        func optional(_ name: String, _ shape: [Int]) throws -> FloatStorage? {
            source.shape(of: name) == nil ? nil : try load(name, shape)
        }
        let h = c.hiddenSize
        embedding = try load(names.embedding, [c.inputVocabularySize, h])
        layers = try (0..<c.layerCount).map { l in
            let bias = c.attentionBias
            return Layer(
                attentionNorm: try load(names.layer(l, .attentionNorm), [h]),
                q: try load(names.layer(l, .q), [c.queryDim, h]),
                k: try load(names.layer(l, .k), [c.kvDim, h]),
                v: try load(names.layer(l, .v), [c.kvDim, h]),
                o: try load(names.layer(l, .o), [h, c.queryDim]),
                qBias: bias ? try load(names.layer(l, .qBias), [c.queryDim]) : try optional(names.layer(l, .qBias), [c.queryDim]),
                kBias: bias ? try load(names.layer(l, .kBias), [c.kvDim]) : try optional(names.layer(l, .kBias), [c.kvDim]),
                vBias: bias ? try load(names.layer(l, .vBias), [c.kvDim]) : try optional(names.layer(l, .vBias), [c.kvDim]),
                oBias: try optional(names.layer(l, .oBias), [h]),
                mlpNorm: try load(names.layer(l, .mlpNorm), [h]),
                gate: try load(names.layer(l, .gate), [c.intermediateSize, h]),
                up: try load(names.layer(l, .up), [c.intermediateSize, h]),
                down: try load(names.layer(l, .down), [h, c.intermediateSize]))
        }
        finalNorm = try load(names.finalNorm, [h])
        if c.tiedEmbeddings || source.shape(of: names.head) == nil {
            guard c.tiedEmbeddings else { throw RuntimeError.missingTensor(names.head) }
            head = embedding  // the first outputVocabularySize rows are the head
        } else {
            head = try load(names.head, [c.outputVocabularySize, h])
        }
    }

    /// Bytes of weights one decode step reads: every matrix of every layer plus the head (one embedding row aside).
    func bytesReadPerToken(config c: DecoderConfig) -> Int {
        let perLayer = layers.first.map { l in
            [l.attentionNorm, l.q, l.k, l.v, l.o, l.mlpNorm, l.gate, l.up, l.down].reduce(0) { $0 + $1.count }
        } ?? 0
        let floats = perLayer * c.layerCount + finalNorm.count + c.outputVocabularySize * c.hiddenSize + c.hiddenSize
        return floats * MemoryLayout<Float>.size
    }
}

/// Tensor naming schemes: Hugging Face (`model.layers.N.self_attn.q_proj.weight`) and GGUF (`blk.N.attn_q.weight`).
struct TensorNames {
    enum Part { case attentionNorm, q, k, v, o, qBias, kBias, vBias, oBias, mlpNorm, gate, up, down }

    let gguf: Bool

    static func detect(in source: WeightSource) -> TensorNames {
        TensorNames(gguf: source.shape(of: "model.embed_tokens.weight") == nil && source.shape(of: "token_embd.weight") != nil)
    }

    var embedding: String { gguf ? "token_embd.weight" : "model.embed_tokens.weight" }
    var finalNorm: String { gguf ? "output_norm.weight" : "model.norm.weight" }
    var head: String { gguf ? "output.weight" : "lm_head.weight" }

    func layer(_ l: Int, _ part: Part) -> String {
        if gguf {
            let suffix: String
            switch part {
            case .attentionNorm: suffix = "attn_norm.weight"
            case .q: suffix = "attn_q.weight"
            case .k: suffix = "attn_k.weight"
            case .v: suffix = "attn_v.weight"
            case .o: suffix = "attn_output.weight"
            case .qBias: suffix = "attn_q.bias"
            case .kBias: suffix = "attn_k.bias"
            case .vBias: suffix = "attn_v.bias"
            case .oBias: suffix = "attn_output.bias"
            case .mlpNorm: suffix = "ffn_norm.weight"
            case .gate: suffix = "ffn_gate.weight"
            case .up: suffix = "ffn_up.weight"
            case .down: suffix = "ffn_down.weight"
            }
            return "blk.\(l).\(suffix)"
        }
        let suffix: String
        switch part {
        case .attentionNorm: suffix = "input_layernorm.weight"
        case .q: suffix = "self_attn.q_proj.weight"
        case .k: suffix = "self_attn.k_proj.weight"
        case .v: suffix = "self_attn.v_proj.weight"
        case .o: suffix = "self_attn.o_proj.weight"
        case .qBias: suffix = "self_attn.q_proj.bias"
        case .kBias: suffix = "self_attn.k_proj.bias"
        case .vBias: suffix = "self_attn.v_proj.bias"
        case .oBias: suffix = "self_attn.o_proj.bias"
        case .mlpNorm: suffix = "post_attention_layernorm.weight"
        case .gate: suffix = "mlp.gate_proj.weight"
        case .up: suffix = "mlp.up_proj.weight"
        case .down: suffix = "mlp.down_proj.weight"
        }
        return "model.layers.\(l).\(suffix)"
    }
}
