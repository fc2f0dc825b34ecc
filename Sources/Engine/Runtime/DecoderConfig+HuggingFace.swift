import Foundation
import Systems

extension DecoderConfig {
    /// Reads a Hugging Face `config.json` (transformers 4.x `rope_theta`/`rope_scaling` or 5.x `rope_parameters`).
    ///
    /// Hydra checkpoints (`model_type` `llama_hydra`, as the Tweeties models and our `HydraAssembler` write them):
    /// - `input_vocab_size`: rows of the input table `[E_tgt ; E_src]`;
    /// - `output_vocab_size` (or `vocab_size`): rows of the head `U_tgt`;
    /// - `hydra_source_offset`: the row where source ids start (default `output_vocab_size` when the input table is
    ///   larger than the head, i.e. target rows first as in the Tweeties checkpoints).
    public init(huggingFaceConfig url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RuntimeError.invalidConfig("cannot read \(url.path): \(FileErrorText.reason(error, path: url.path))")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RuntimeError.invalidConfig("\(url.path) is not a JSON object")
        }
        try self.init(huggingFace: json)
    }

    /// `model_type`s whose forward pass is this runtime's (Llama blocks; Mistral adds a sliding window, Qwen2 q/k/v
    /// biases, Phi-3 fused qkv and gate_up projections and LongRoPE, Gemma (1+w) norms, √d embedding scale and GeGLU,
    /// Gemma 2 sandwich norms, soft-capping and alternating sliding/global layers, Gemma 3 q/k norms and a local
    /// rotary base). Anything else (encoders, multimodal `gemma3`, …) is refused by name instead of loading and
    /// producing garbage.
    public static let supportedModelTypes: Set<String> = [
        "llama", "llama_hydra", "mistral", "qwen2", "phi3", "gemma", "gemma2", "gemma3_text",
    ]
    static let gemmaFamily: Set<String> = ["gemma", "gemma2", "gemma3_text"]

    public init(huggingFace json: [String: Any]) throws {
        let c = ConfigReader(json)
        // A config without `model_type` is taken as Llama (older exports, configs built in code).
        let modelType = json["model_type"].map { "\($0)" } ?? "llama"
        guard Self.supportedModelTypes.contains(modelType) else {
            throw RuntimeError.invalidConfig(
                "model_type '\(modelType)' is not supported by the runtime (supported: "
                    + Self.supportedModelTypes.sorted().joined(separator: ", ") + ")")
        }
        let gemmaFamily = Self.gemmaFamily.contains(modelType)
        if gemmaFamily {
            // transformers runs Gemma with the tanh GELU whatever `hidden_act` says, unless `hidden_activation` is set.
            let act = json["hidden_activation"].flatMap { $0 is NSNull ? nil : "\($0)" } ?? "gelu_pytorch_tanh"
            guard act == "gelu_pytorch_tanh" else {
                throw RuntimeError.invalidConfig(
                    "hidden_activation '\(act)' of model_type '\(modelType)' is not supported (gelu_pytorch_tanh is)")
            }
        } else {
            for key in ["hidden_act", "hidden_activation"] {
                if let act = json[key], !(act is NSNull), "\(act)" != "silu" {
                    throw RuntimeError.invalidConfig(
                        "\(key) '\(act)' of model_type '\(modelType)' is not supported (silu is)")
                }
            }
        }
        if let factor = try c.optionalDouble("partial_rotary_factor"), factor != 1 {
            throw RuntimeError.invalidConfig(
                "partial_rotary_factor \(factor) of model_type '\(modelType)' is not supported (1 is)")
        }
        if json["mlp_bias"] as? Bool == true {
            throw RuntimeError.invalidConfig("mlp_bias of model_type '\(modelType)' is not supported")
        }
        // Qwen2 writes `sliding_window` even when it is off (`use_sliding_window: false`), and when on, applies it
        // only from layer `max_window_layers`: not this runtime's all-layers window.
        var slidingWindow = try c.optionalInt("sliding_window")
        if let use = json["use_sliding_window"] as? Bool {
            if use, modelType == "qwen2" {
                throw RuntimeError.invalidConfig(
                    "use_sliding_window of model_type 'qwen2' (window from max_window_layers on) is not supported")
            }
            if !use { slidingWindow = nil }
        }
        let hidden = try c.int("hidden_size")
        let heads = try c.int("num_attention_heads")
        let output = try c.optionalInt("output_vocab_size") ?? c.int("vocab_size")
        let input = try c.optionalInt("input_vocab_size") ?? output
        var offset = try c.optionalInt("hydra_source_offset")
        if offset == nil, input > output { offset = output }
        if offset == nil, modelType == "llama_hydra" { offset = output }

        self.init(
            hiddenSize: hidden,
            intermediateSize: try c.int("intermediate_size"),
            layerCount: try c.int("num_hidden_layers"),
            headCount: heads,
            kvHeadCount: try c.optionalInt("num_key_value_heads") ?? heads,
            headDim: try c.optionalInt("head_dim"),
            vocabularySize: output,
            inputVocabularySize: input,
            rmsNormEps: Float(try c.optionalDouble("rms_norm_eps") ?? 1e-6),
            rope: try RopeConfig(huggingFace: json, modelType: modelType),
            tiedEmbeddings: json["tie_word_embeddings"] as? Bool ?? false,
            maxPositions: try c.optionalInt("max_position_embeddings") ?? 4096,
            slidingWindow: slidingWindow,
            attentionBias: json["attention_bias"] as? Bool ?? false,
            bosTokenID: try c.optionalInt("bos_token_id"),
            eosTokenIDs: try c.intList("eos_token_id"),
            hydraSourceOffset: offset
        )
        gemma = gemmaFamily
        hydraTargetTokensPerSourceByte = try c.optionalDouble(HydraConfig.targetTokensPerSourceByteKey)
        if modelType == "gemma2" || modelType == "gemma3_text" {
            try readGemma2Family(json, modelType: modelType)
        }
        try validate()
    }

    /// Gemma 2 and Gemma 3 (text): sandwich norms, `query_pre_attn_scalar`, soft-capping (Gemma 2's defaults 50 and
    /// 30 when the keys are absent, none for Gemma 3), sliding-window layers from `layer_types` or the family's
    /// default pattern (Gemma 2: every other layer from the first; Gemma 3: all but every `sliding_window_pattern`-th),
    /// and Gemma 3's q/k norms and local rotary base.
    private mutating func readGemma2Family(_ json: [String: Any], modelType: String) throws {
        let c = ConfigReader(json)
        let gemma3 = modelType == "gemma3_text"
        if json["use_bidirectional_attention"] as? Bool == true {
            throw RuntimeError.invalidConfig(
                "use_bidirectional_attention of model_type '\(modelType)' is not supported")
        }
        sandwichNorms = true
        queryKeyNorm = gemma3
        attentionScale = Float(1 / (try c.optionalDouble("query_pre_attn_scalar") ?? 256).squareRoot())
        func cap(_ key: String, _ fallback: Double?) throws -> Float? {
            if json.keys.contains(key) { return try c.optionalDouble(key).map(Float.init) }
            return fallback.map(Float.init)
        }
        attentionSoftCap = try cap("attn_logit_softcapping", gemma3 ? nil : 50)
        finalLogitSoftCap = try cap("final_logit_softcapping", gemma3 ? nil : 30)
        if !json.keys.contains("sliding_window") { slidingWindow = 4096 }
        if let types = json["layer_types"] as? [Any] {
            slidingLayers = try types.enumerated().map { i, t in
                switch t as? String {
                case "sliding_attention": return true
                case "full_attention": return false
                default:
                    throw RuntimeError.invalidConfig(
                        "layer_types[\(i)] '\(t)' is not supported (sliding_attention, full_attention are)")
                }
            }
        } else {
            let pattern = gemma3 ? try c.optionalInt("sliding_window_pattern") ?? 6 : 2
            guard pattern > 0 else {
                throw RuntimeError.invalidConfig("'sliding_window_pattern' must be positive, found \(pattern)")
            }
            slidingLayers = (0..<layerCount).map { ($0 + 1) % pattern != 0 }
        }
        if gemma3 {
            let parameters = json["rope_parameters"] as? [String: Any]
            if let full = parameters?["full_attention"] as? [String: Any] {
                // transformers 5: one rope dictionary per layer type.
                rope = try RopeConfig(parameters: full, config: json, modelType: modelType, defaultTheta: 1_000_000)
                let sliding = parameters?["sliding_attention"] as? [String: Any] ?? [:]
                localRope = try RopeConfig(
                    parameters: sliding, config: json, modelType: modelType, defaultTheta: 10_000)
            } else {
                // transformers 4: `rope_theta` + `rope_scaling` for global layers, `rope_local_base_freq` for local ones.
                rope = try RopeConfig(huggingFace: json, modelType: modelType, defaultTheta: 1_000_000)
                localRope = RopeConfig(theta: try c.optionalDouble("rope_local_base_freq") ?? 10_000)
            }
        }
    }

    /// Whether the forward pass is plain Llama blocks (no Gemma norms or capping, one window and rotary for all
    /// layers, no LongRoPE): what code that re-implements the forward pass (embedding tuning) supports.
    public var isPlainLlamaBlock: Bool {
        if case .longrope = rope.scaling { return false }
        return !gemma && !sandwichNorms && !queryKeyNorm && attentionScale == nil && attentionSoftCap == nil
            && finalLogitSoftCap == nil && slidingLayers == nil && localRope == nil
    }
}

extension RopeConfig {
    /// From a whole `config.json` (transformers 4.x `rope_theta` + `rope_scaling`, or 5.x flat `rope_parameters`).
    init(huggingFace json: [String: Any], modelType: String = "llama", defaultTheta: Double = 10000) throws {
        let parameters = json["rope_parameters"] as? [String: Any]
        let scaling = (json["rope_scaling"] as? [String: Any]) ?? parameters
        let theta =
            try ConfigReader(json).optionalDouble("rope_theta")
            ?? ConfigReader(parameters ?? [:]).optionalDouble("rope_theta") ?? defaultTheta
        try self.init(scaling: scaling, theta: theta, config: json, modelType: modelType)
    }

    /// From one rope dictionary (a Gemma 3 per-layer-type entry of `rope_parameters`).
    init(parameters: [String: Any], config json: [String: Any], modelType: String, defaultTheta: Double) throws {
        let theta = try ConfigReader(parameters).optionalDouble("rope_theta") ?? defaultTheta
        try self.init(scaling: parameters, theta: theta, config: json, modelType: modelType)
    }

    private init(scaling: [String: Any]?, theta: Double, config json: [String: Any], modelType: String) throws {
        guard let s = scaling else {
            self.init(theta: theta)
            return
        }
        let r = ConfigReader(s), top = ConfigReader(json)
        var kind = (s["rope_type"] as? String) ?? (s["type"] as? String) ?? "default"
        // Phi-3's config maps the old names onto LongRoPE (transformers `Phi3Config`).
        if kind == "su" || (kind == "yarn" && modelType == "phi3") { kind = "longrope" }
        switch kind {
        case "default":
            self.init(theta: theta)
        case "linear":
            self.init(theta: theta, scaling: .linear(factor: try r.double("factor")))
        case "llama3":
            self.init(
                theta: theta,
                scaling: .llama3(
                    factor: try r.double("factor"),
                    lowFreqFactor: try r.optionalDouble("low_freq_factor") ?? 1,
                    highFreqFactor: try r.optionalDouble("high_freq_factor") ?? 4,
                    originalMaxPositions: try r.int("original_max_position_embeddings")))
        case "longrope":
            guard
                let original = try r.optionalInt("original_max_position_embeddings")
                    ?? top.optionalInt("original_max_position_embeddings")
            else {
                throw RuntimeError.invalidConfig("longrope rope scaling needs 'original_max_position_embeddings'")
            }
            // transformers: factor defaults to max_position_embeddings / original, and the attention factor to
            // √(1 + ln factor / ln original) when factor > 1.
            let factor =
                try r.optionalDouble("factor")
                ?? Double(try top.optionalInt("max_position_embeddings") ?? original) / Double(original)
            let attention =
                try r.optionalDouble("attention_factor")
                ?? (factor <= 1 ? 1 : (1 + log(factor) / log(Double(original))).squareRoot())
            self.init(
                theta: theta,
                scaling: .longrope(
                    shortFactors: try r.floatList("short_factor"), longFactors: try r.floatList("long_factor"),
                    originalMaxPositions: original, attentionFactor: attention))
        default:
            throw RuntimeError.invalidConfig(
                "rope scaling '\(kind)' is not supported (default, linear, llama3 and longrope are)")
        }
    }
}

/// Typed access to a JSON object's numeric fields, with errors naming the key.
struct ConfigReader {
    let json: [String: Any]
    init(_ json: [String: Any]) { self.json = json }

    func optionalInt(_ key: String) throws -> Int? {
        guard let v = json[key], !(v is NSNull) else { return nil }
        if let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded() { return n.intValue }
        throw RuntimeError.invalidConfig("'\(key)' should be an integer, found \(v)")
    }

    func int(_ key: String) throws -> Int {
        guard let v = try optionalInt(key) else { throw RuntimeError.invalidConfig("'\(key)' is missing") }
        return v
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let v = json[key], !(v is NSNull) else { return nil }
        if let n = v as? NSNumber { return n.doubleValue }
        throw RuntimeError.invalidConfig("'\(key)' should be a number, found \(v)")
    }

    func double(_ key: String) throws -> Double {
        guard let v = try optionalDouble(key) else { throw RuntimeError.invalidConfig("'\(key)' is missing") }
        return v
    }

    /// A list of numbers (LongRoPE factors).
    func floatList(_ key: String) throws -> [Float] {
        guard let list = json[key] as? [Any] else {
            throw RuntimeError.invalidConfig("'\(key)' should be a list of numbers")
        }
        return try list.map { v in
            guard let n = v as? NSNumber else { throw RuntimeError.invalidConfig("'\(key)' holds \(v)") }
            return n.floatValue
        }
    }

    /// An integer or a list of integers (`eos_token_id` may be either); absent → empty.
    func intList(_ key: String) throws -> [Int] {
        if let list = json[key] as? [Any] {
            return try list.map { v in
                guard let n = v as? NSNumber else { throw RuntimeError.invalidConfig("'\(key)' holds \(v)") }
                return n.intValue
            }
        }
        return try optionalInt(key).map { [$0] } ?? []
    }
}
