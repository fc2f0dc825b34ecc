import Foundation

/// The Hugging Face `config.json` of the model a GGUF was converted from, rebuilt from its metadata the way llama.cpp
/// reads it (`llama_model::load_hparams`): what the converter stores (`{arch}.attn_logit_softcapping`,
/// `attention.sliding_window`, `rope.scaling.*`, Phi-3's `rope_factors_long/short` tensors, …) and, where llama.cpp
/// fixes a value by convention instead of storing it, that convention (Gemma 2/3 `query_pre_attn_scalar` = head_dim
/// except for the 27B shapes, Gemma 2 alternating sliding layers from layer 0, Gemma 3 five sliding layers in six
/// and a local rotary base of 10000 unless `rope.freq_base_swa` says otherwise).
public enum GGUFHuggingFaceConfig {
    /// The HF config of a `gemma`, `gemma2`, `gemma3` or `phi3` GGUF (the Llama-layout ones go through `LlamaConfig`).
    static func json(_ t: GGUFLlamaTensors) throws -> JSONValue {
        let g = t.gguf, c = t.config, arch = t.architecture
        func invalid(_ reason: String) -> ModelFileError { .invalidHeader(path: g.path, reason: reason) }
        func double(_ suffix: String) -> Double? { g.archValue(suffix)?.decimalDouble }
        let vocab = g.info("token_embd.weight")?.shape.first ?? c.vocabSize
        var o: [(String, JSONValue)] = []
        func set(_ key: String, _ value: JSONValue) { o.append((key, value)) }
        let className: String
        switch arch {
        case .gemma: className = "GemmaForCausalLM"
        case .gemma2: className = "Gemma2ForCausalLM"
        case .gemma3: className = "Gemma3ForCausalLM"
        case .phi3: className = "Phi3ForCausalLM"
        case .llama, .qwen2: throw invalid("'\(arch.rawValue)' is read through LlamaConfig")
        }
        set("architectures", .array([.string(className)]))
        set("model_type", .string(arch.modelType))
        set("vocab_size", .int(vocab))
        set("hidden_size", .int(c.hiddenSize))
        set("intermediate_size", .int(c.intermediateSize))
        set("num_hidden_layers", .int(c.numHiddenLayers))
        set("num_attention_heads", .int(c.numAttentionHeads))
        set("num_key_value_heads", .int(c.numKeyValueHeads))
        if arch.isGemma { set("head_dim", .int(c.headDim)) }
        set("max_position_embeddings", .int(c.maxPositionEmbeddings))
        set("rms_norm_eps", .double(c.rmsNormEps))
        set("rope_theta", .double(c.ropeTheta))
        set("tie_word_embeddings", .bool(c.tieWordEmbeddings))
        for (key, id) in [
            ("bos_token_id", c.bosTokenID), ("eos_token_id", c.eosTokenID), ("pad_token_id", c.padTokenID),
        ] {
            if let id { set(key, .int(id)) }
        }
        set("attention_bias", .bool(c.attentionBias))
        set("torch_dtype", .string("float32"))
        if arch.isGemma {
            set("hidden_act", .string("gelu_pytorch_tanh"))
            set("hidden_activation", .string("gelu_pytorch_tanh"))
            if arch != .gemma {
                // llama.cpp: 1/√(hidden/heads) for the 27B shapes (46 or 62 layers), else 1/√head_dim.
                let big = c.numHiddenLayers == (arch == .gemma2 ? 46 : 62)
                set("query_pre_attn_scalar", .int(big ? c.hiddenSize / c.numAttentionHeads : c.headDim))
                set("sliding_window", .int(g.archValue("attention.sliding_window")?.int ?? 4096))
            }
            if arch == .gemma2 {
                set("attn_logit_softcapping", .double(double("attn_logit_softcapping") ?? 50))
                set("final_logit_softcapping", .double(double("final_logit_softcapping") ?? 30))
            }
            if arch == .gemma3 {
                let pattern = g.archValue("attention.sliding_window_pattern")?.int ?? 6
                guard pattern > 0 else { throw invalid("gemma3.attention.sliding_window_pattern is \(pattern)") }
                set("sliding_window_pattern", .int(pattern))
                set(
                    "layer_types",
                    .array(
                        (0..<c.numHiddenLayers).map {
                            .string(($0 + 1) % pattern != 0 ? "sliding_attention" : "full_attention")
                        }))
                set("rope_local_base_freq", .double(double("rope.freq_base_swa") ?? 10_000))
                if let s = c.ropeScaling {
                    guard s.type == "linear" else {
                        throw invalid("gemma3 rope scaling '\(s.type)' is not supported (linear is)")
                    }
                    set("rope_scaling", .object([("rope_type", .string("linear")), ("factor", .double(s.factor))]))
                }
                set("final_logit_softcapping", double("final_logit_softcapping").map(JSONValue.double) ?? .null)
                set("attn_logit_softcapping", .null)
            }
        } else {
            try phi3(t, set: set)
        }
        return .object(o)
    }

    /// Phi-3: sliding window, original context, LongRoPE factors (tensors `rope_factors_long/short.weight`) and the
    /// attention factor when it is not LongRoPE's default, partial rotary when `rope.dimension_count` < head_dim.
    private static func phi3(_ t: GGUFLlamaTensors, set: (String, JSONValue) -> Void) throws {
        let g = t.gguf, c = t.config
        set("hidden_act", .string("silu"))
        if let w = g.archValue("attention.sliding_window")?.int, w > 0 { set("sliding_window", .int(w)) }
        let original = g.archValue("rope.scaling.original_context_length")?.int
        if let original { set("original_max_position_embeddings", .int(original)) }
        if let rotary = g.archValue("rope.dimension_count")?.int, rotary != c.headDim {
            set("partial_rotary_factor", .double(Double(rotary) / Double(c.headDim)))
        }
        let long = g.info("rope_factors_long.weight"), short = g.info("rope_factors_short.weight")
        guard long != nil || short != nil else { return }
        guard long != nil, short != nil, let original else {
            throw ModelFileError.invalidHeader(
                path: g.path,
                reason:
                    "phi3 LongRoPE needs rope_factors_long.weight, rope_factors_short.weight and phi3.rope.scaling.original_context_length"
            )
        }
        // F32 factors as the decimals the converter was given (1.3, not 1.2999999523).
        func decimals(_ name: String) throws -> JSONValue {
            .array(try g.float32(name).map { .double(Double("\($0)") ?? Double($0)) })
        }
        var rope: [(String, JSONValue)] = [
            ("type", .string("longrope")), ("short_factor", try decimals("rope_factors_short.weight")),
            ("long_factor", try decimals("rope_factors_long.weight")),
        ]
        let factor = Double(c.maxPositionEmbeddings) / Double(original)
        let standard = factor <= 1 ? 1 : (1 + log(factor) / log(Double(original))).squareRoot()
        if let attention = g.archValue("rope.scaling.attn_factor")?.decimalDouble, abs(attention - standard) > 1e-6 {
            rope.append(("attention_factor", .double(attention)))
        }
        set("rope_scaling", .object(rope))
    }
}

extension GGUFLlamaTensors {
    /// The Hugging Face config of the model this GGUF holds, checked against its tensors.
    public func modelConfig() throws -> ModelConfig {
        if architecture.isLlamaLayout { return ModelConfig(llama: config, modelType: architecture.modelType) }
        return try ModelConfig(json: try GGUFHuggingFaceConfig.json(self), tensors: self, path: gguf.path)
    }
}
