import Foundation

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
            throw RuntimeError.invalidConfig("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RuntimeError.invalidConfig("\(url.path) is not a JSON object")
        }
        try self.init(huggingFace: json)
    }

    /// `model_type`s whose forward pass is this runtime's (Llama blocks; Mistral adds a sliding window, Qwen2 q/k/v
    /// biases, Phi-3 fused qkv and gate_up projections). Anything else (Gemma's (1+w) norms and GeGLU, Phi-3's fused projections, encoders…) is refused by name
    /// instead of loading and producing garbage.
    public static let supportedModelTypes: Set<String> = ["llama", "llama_hydra", "mistral", "qwen2", "phi3"]

    public init(huggingFace json: [String: Any]) throws {
        let c = ConfigReader(json)
        // A config without `model_type` is taken as Llama (older exports, configs built in code).
        let modelType = json["model_type"].map { "\($0)" } ?? "llama"
        guard Self.supportedModelTypes.contains(modelType) else {
            throw RuntimeError.invalidConfig("model_type '\(modelType)' is not supported by the runtime (supported: "
                + Self.supportedModelTypes.sorted().joined(separator: ", ") + ")")
        }
        for key in ["hidden_act", "hidden_activation"] {
            if let act = json[key], !(act is NSNull), "\(act)" != "silu" {
                throw RuntimeError.invalidConfig("\(key) '\(act)' of model_type '\(modelType)' is not supported (silu is)")
            }
        }
        if let factor = try c.optionalDouble("partial_rotary_factor"), factor != 1 {
            throw RuntimeError.invalidConfig("partial_rotary_factor \(factor) of model_type '\(modelType)' is not supported (1 is)")
        }
        if json["mlp_bias"] as? Bool == true {
            throw RuntimeError.invalidConfig("mlp_bias of model_type '\(modelType)' is not supported")
        }
        // Qwen2 writes `sliding_window` even when it is off (`use_sliding_window: false`), and when on, applies it
        // only from layer `max_window_layers`: not this runtime's all-layers window.
        var slidingWindow = try c.optionalInt("sliding_window")
        if let use = json["use_sliding_window"] as? Bool {
            if use, modelType == "qwen2" {
                throw RuntimeError.invalidConfig("use_sliding_window of model_type 'qwen2' (window from max_window_layers on) is not supported")
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
            rope: try RopeConfig(huggingFace: json),
            tiedEmbeddings: json["tie_word_embeddings"] as? Bool ?? false,
            maxPositions: try c.optionalInt("max_position_embeddings") ?? 4096,
            slidingWindow: slidingWindow,
            attentionBias: json["attention_bias"] as? Bool ?? false,
            bosTokenID: try c.optionalInt("bos_token_id"),
            eosTokenIDs: try c.intList("eos_token_id"),
            hydraSourceOffset: offset
        )
        try validate()
    }
}

extension RopeConfig {
    init(huggingFace json: [String: Any]) throws {
        // transformers 5 folds theta and scaling into `rope_parameters`; 4.x has `rope_theta` + `rope_scaling`.
        let parameters = json["rope_parameters"] as? [String: Any]
        let scaling = (json["rope_scaling"] as? [String: Any]) ?? parameters
        let theta = try ConfigReader(json).optionalDouble("rope_theta")
            ?? ConfigReader(parameters ?? [:]).optionalDouble("rope_theta") ?? 10000
        guard let s = scaling else {
            self.init(theta: theta)
            return
        }
        let r = ConfigReader(s)
        let kind = (s["rope_type"] as? String) ?? (s["type"] as? String) ?? "default"
        switch kind {
        case "default":
            self.init(theta: theta)
        case "linear":
            self.init(theta: theta, scaling: .linear(factor: try r.double("factor")))
        case "llama3":
            self.init(theta: theta, scaling: .llama3(
                factor: try r.double("factor"),
                lowFreqFactor: try r.optionalDouble("low_freq_factor") ?? 1,
                highFreqFactor: try r.optionalDouble("high_freq_factor") ?? 4,
                originalMaxPositions: try r.int("original_max_position_embeddings")))
        default:
            throw RuntimeError.invalidConfig("rope scaling '\(kind)' is not supported (default, linear and llama3 are)")
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
