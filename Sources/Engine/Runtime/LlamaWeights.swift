/// The weights of a Llama-family decoder, each held once. Matrices (embedding, projections, head) stay in the
/// format the file stores (`WeightMatrix`: F32 borrowed from the mapping, or F16/BF16/ggml blocks dequantised tile
/// by tile in the matmuls); norms and biases are F32 (converted once when stored otherwise).
final class LlamaWeights: @unchecked Sendable {
    struct Layer {
        var attentionNorm: FloatStorage
        var q: WeightMatrix, k: WeightMatrix, v: WeightMatrix, o: WeightMatrix
        var qBias: FloatStorage?, kBias: FloatStorage?, vBias: FloatStorage?, oBias: FloatStorage?
        var mlpNorm: FloatStorage
        var gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
        /// Gemma 2/3 (`sandwichNorms`): norms of the attention output and of the MLP output.
        var postAttentionNorm: FloatStorage?, postFeedForwardNorm: FloatStorage?
        /// Gemma 3 (`queryKeyNorm`): per-head norms of queries and keys, `headDim` values each.
        var queryNorm: FloatStorage?, keyNorm: FloatStorage?
    }

    let embedding: WeightMatrix
    let layers: [Layer]
    let finalNorm: FloatStorage
    /// `[outputVocabularySize, hidden]`; the embedding table when tied (its first `outputVocabularySize` rows).
    let head: WeightMatrix
    /// `lm_head.bias` (`output.bias` in GGUF) when the file has one, `[outputVocabularySize]`: Phi-2's head has a
    /// bias, and a Hydra checkpoint carries its target tokens' log-prior there (`HydraPrior`).
    let headBias: FloatStorage?

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
        func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> WeightMatrix {
            guard let found = source.shape(of: name) else { throw RuntimeError.missingTensor(name) }
            guard found == [rows, columns] else {
                throw RuntimeError.shapeMismatch(tensor: name, expected: [rows, columns], found: found)
            }
            if let stored = source.storedMatrix(name, rows: rows, columns: columns) { return stored }
            return WeightMatrix(float32: try load(name, [rows, columns]), rows: rows, columns: columns)
        }
        // Gemma applies its RMSNorm weights as `1 + w` (in F32, as transformers does): stored once that way.
        func norm(_ name: String, size: Int? = nil) throws -> FloatStorage {
            let w = try load(name, [size ?? c.hiddenSize])
            return c.gemma ? FloatStorage(w.buffer.map { 1 + $0 }) : w
        }
        func optional(_ name: String, _ shape: [Int]) throws -> FloatStorage? {
            source.shape(of: name) == nil ? nil : try load(name, shape)
        }
        let h = c.hiddenSize
        embedding = try matrix(names.embedding, c.inputVocabularySize, h)
        layers = try (0..<c.layerCount).map { l in
            let bias = c.attentionBias
            // Phi-3 stores q/k/v as one `qkv_proj` and gate/up as one `gate_up_proj`: split by rows, no copy.
            var q, k, v, gate, up: WeightMatrix
            if source.shape(of: names.layer(l, .q)) == nil, source.shape(of: names.layer(l, .qkv)) != nil {
                let fused = try matrix(names.layer(l, .qkv), c.queryDim + 2 * c.kvDim, h)
                q = fused.rows(0..<c.queryDim)
                k = fused.rows(c.queryDim..<(c.queryDim + c.kvDim))
                v = fused.rows((c.queryDim + c.kvDim)..<(c.queryDim + 2 * c.kvDim))
            } else {
                q = try matrix(names.layer(l, .q), c.queryDim, h)
                k = try matrix(names.layer(l, .k), c.kvDim, h)
                v = try matrix(names.layer(l, .v), c.kvDim, h)
            }
            if source.shape(of: names.layer(l, .gate)) == nil, source.shape(of: names.layer(l, .gateUp)) != nil {
                let fused = try matrix(names.layer(l, .gateUp), 2 * c.intermediateSize, h)
                gate = fused.rows(0..<c.intermediateSize)
                up = fused.rows(c.intermediateSize..<(2 * c.intermediateSize))
            } else {
                gate = try matrix(names.layer(l, .gate), c.intermediateSize, h)
                up = try matrix(names.layer(l, .up), c.intermediateSize, h)
            }
            let sandwich = c.sandwichNorms, qkNorm = c.queryKeyNorm
            return Layer(
                attentionNorm: try norm(names.layer(l, .attentionNorm)),
                q: q, k: k, v: v,
                o: try matrix(names.layer(l, .o), h, c.queryDim),
                qBias: bias
                    ? try load(names.layer(l, .qBias), [c.queryDim])
                    : try optional(names.layer(l, .qBias), [c.queryDim]),
                kBias: bias
                    ? try load(names.layer(l, .kBias), [c.kvDim]) : try optional(names.layer(l, .kBias), [c.kvDim]),
                vBias: bias
                    ? try load(names.layer(l, .vBias), [c.kvDim]) : try optional(names.layer(l, .vBias), [c.kvDim]),
                oBias: try optional(names.layer(l, .oBias), [h]),
                mlpNorm: try norm(names.layer(l, sandwich ? .preFeedForwardNorm : .mlpNorm)),
                gate: gate, up: up,
                down: try matrix(names.layer(l, .down), h, c.intermediateSize),
                postAttentionNorm: sandwich ? try norm(names.layer(l, .postAttentionNorm)) : nil,
                postFeedForwardNorm: sandwich ? try norm(names.layer(l, .postFeedForwardNorm)) : nil,
                queryNorm: qkNorm ? try norm(names.layer(l, .queryNorm), size: c.headDim) : nil,
                keyNorm: qkNorm ? try norm(names.layer(l, .keyNorm), size: c.headDim) : nil)
        }
        finalNorm = try norm(names.finalNorm)
        if c.tiedEmbeddings || source.shape(of: names.head) == nil {
            guard c.tiedEmbeddings else { throw RuntimeError.missingTensor(names.head) }
            head = embedding // the first outputVocabularySize rows are the head
        } else {
            head = try matrix(names.head, c.outputVocabularySize, h)
        }
        headBias = try optional(names.headBias, [c.outputVocabularySize])
    }

    /// Bytes of weights one decode step reads, as stored: every matrix and norm of every layer plus the head and
    /// one embedding row.
    func bytesReadPerToken(config c: DecoderConfig) -> Int {
        let f = MemoryLayout<Float>.size
        let matrices = layers.reduce(0) { sum, l in
            sum + [l.q, l.k, l.v, l.o, l.gate, l.up, l.down].reduce(0) { $0 + $1.byteCount(rows: $1.rows) }
                + (l.attentionNorm.count + l.mlpNorm.count + (l.postAttentionNorm?.count ?? 0)
                    + (l.postFeedForwardNorm?.count ?? 0)) * f
        }
        return matrices + finalNorm.count * f + head.byteCount(rows: c.outputVocabularySize)
            + embedding.byteCount(rows: 1)
    }
}

/// Tensor naming schemes: Hugging Face (`model.layers.N.self_attn.q_proj.weight`) and GGUF (`blk.N.attn_q.weight`).
struct TensorNames {
    /// `mlpNorm` is Llama's pre-MLP norm (HF `post_attention_layernorm`); Gemma 2/3 call theirs
    /// `pre_feedforward_layernorm` and use `post_attention_layernorm` for the norm of the attention output.
    enum Part {
        case attentionNorm, q, k, v, qkv, o, qBias, kBias, vBias, oBias, mlpNorm, gate, up, gateUp, down
        case postAttentionNorm, preFeedForwardNorm, postFeedForwardNorm, queryNorm, keyNorm
    }

    let gguf: Bool

    static func detect(in source: WeightSource) -> TensorNames {
        TensorNames(
            gguf: source.shape(of: "model.embed_tokens.weight") == nil && source.shape(of: "token_embd.weight") != nil)
    }

    var embedding: String { gguf ? "token_embd.weight" : "model.embed_tokens.weight" }
    var finalNorm: String { gguf ? "output_norm.weight" : "model.norm.weight" }
    var head: String { gguf ? "output.weight" : "lm_head.weight" }
    var headBias: String { gguf ? CheckpointLayout.ggufHeadBiasTensor : CheckpointLayout.headBiasTensor }

    func layer(_ l: Int, _ part: Part) -> String {
        if gguf {
            let suffix: String
            switch part {
            case .attentionNorm: suffix = "attn_norm.weight"
            case .q: suffix = "attn_q.weight"
            case .k: suffix = "attn_k.weight"
            case .v: suffix = "attn_v.weight"
            case .qkv: suffix = "attn_qkv.weight"
            case .o: suffix = "attn_output.weight"
            case .qBias: suffix = "attn_q.bias"
            case .kBias: suffix = "attn_k.bias"
            case .vBias: suffix = "attn_v.bias"
            case .oBias: suffix = "attn_output.bias"
            case .mlpNorm: suffix = "ffn_norm.weight"
            case .gate: suffix = "ffn_gate.weight"
            case .up, .gateUp: suffix = "ffn_up.weight" // llama.cpp's phi3 stores gate_up as a 2×-tall ffn_up
            case .down: suffix = "ffn_down.weight"
            case .postAttentionNorm: suffix = "post_attention_norm.weight"
            case .preFeedForwardNorm: suffix = "ffn_norm.weight"
            case .postFeedForwardNorm: suffix = "post_ffw_norm.weight"
            case .queryNorm: suffix = "attn_q_norm.weight"
            case .keyNorm: suffix = "attn_k_norm.weight"
            }
            return "blk.\(l).\(suffix)"
        }
        let suffix: String
        switch part {
        case .attentionNorm: suffix = "input_layernorm.weight"
        case .q: suffix = "self_attn.q_proj.weight"
        case .k: suffix = "self_attn.k_proj.weight"
        case .v: suffix = "self_attn.v_proj.weight"
        case .qkv: suffix = "self_attn.qkv_proj.weight"
        case .o: suffix = "self_attn.o_proj.weight"
        case .qBias: suffix = "self_attn.q_proj.bias"
        case .kBias: suffix = "self_attn.k_proj.bias"
        case .vBias: suffix = "self_attn.v_proj.bias"
        case .oBias: suffix = "self_attn.o_proj.bias"
        case .mlpNorm: suffix = "post_attention_layernorm.weight"
        case .gate: suffix = "mlp.gate_proj.weight"
        case .up: suffix = "mlp.up_proj.weight"
        case .gateUp: suffix = "mlp.gate_up_proj.weight"
        case .down: suffix = "mlp.down_proj.weight"
        case .postAttentionNorm: suffix = "post_attention_layernorm.weight"
        case .preFeedForwardNorm: suffix = "pre_feedforward_layernorm.weight"
        case .postFeedForwardNorm: suffix = "post_feedforward_layernorm.weight"
        case .queryNorm: suffix = "self_attn.q_norm.weight"
        case .keyNorm: suffix = "self_attn.k_norm.weight"
        }
        return "model.layers.\(l).\(suffix)"
    }
}
