import Foundation
import Systems

/// Hyper-parameters of a Llama-family decoder, read from a Hugging Face `config.json` or GGUF metadata.
public struct LlamaConfig: Sendable, Equatable {
    public struct RopeScaling: Sendable, Equatable {
        /// "linear", "dynamic", "yarn", "llama3", …
        public var type: String
        public var factor: Double
        public var originalMaxPositionEmbeddings: Int?
        public var lowFreqFactor: Double?
        public var highFreqFactor: Double?

        public init(
            type: String, factor: Double, originalMaxPositionEmbeddings: Int? = nil,
            lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil
        ) {
            self.type = type
            self.factor = factor
            self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
            self.lowFreqFactor = lowFreqFactor
            self.highFreqFactor = highFreqFactor
        }
    }

    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var ropeTheta: Double
    public var rmsNormEps: Double
    public var ropeScaling: RopeScaling?
    public var tieWordEmbeddings: Bool
    public var hiddenAct: String = "silu"
    public var attentionBias: Bool = false
    public var mlpBias: Bool = false
    /// Mistral-style sliding-window attention (`sliding_window`, GGUF `{arch}.attention.sliding_window`).
    public var slidingWindow: Int?
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var padTokenID: Int?

    public init(
        hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        numKeyValueHeads: Int, headDim: Int? = nil, vocabSize: Int, maxPositionEmbeddings: Int,
        ropeTheta: Double, rmsNormEps: Double, ropeScaling: RopeScaling? = nil, tieWordEmbeddings: Bool,
        bosTokenID: Int? = nil, eosTokenID: Int? = nil, padTokenID: Int? = nil
    ) throws {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.ropeScaling = ropeScaling
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.padTokenID = padTokenID
        try validate()
    }

    public func validate() throws {
        func check(_ ok: Bool, _ msg: @autoclosure () -> String) throws {
            if !ok { throw ModelFileError.invalidConfig(msg()) }
        }
        for (name, v) in [
            ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
            ("num_key_value_heads", numKeyValueHeads), ("head_dim", headDim), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings),
        ] {
            try check(v > 0 && v <= 1 << 24, "\(name) = \(v) is out of range")
        }
        try check(
            numAttentionHeads % numKeyValueHeads == 0,
            "num_attention_heads \(numAttentionHeads) is not a multiple of num_key_value_heads \(numKeyValueHeads)")
        try check(headDim % 2 == 0, "head_dim \(headDim) must be even for rotary embeddings")
        try check(ropeTheta > 0 && ropeTheta.isFinite, "rope_theta \(ropeTheta) must be positive")
        try check(rmsNormEps > 0 && rmsNormEps < 1, "rms_norm_eps \(rmsNormEps) out of range")
        if let s = ropeScaling {
            try check(s.factor > 0 && s.factor.isFinite, "rope_scaling.factor \(s.factor) must be positive")
        }
    }
}

// MARK: - GGUF metadata

extension LlamaConfig {
    /// From GGUF metadata (`{arch}.embedding_length`, `.block_count`, …). Tied embeddings when the file has
    /// no `output.weight`. Token ids from `tokenizer.ggml.*_token_id`.
    public init(gguf: GGUFFile) throws {
        guard let arch = gguf.architecture else {
            throw ModelFileError.invalidConfig("GGUF has no general.architecture")
        }
        func int(_ suffix: String) throws -> Int {
            guard let v = gguf.archValue(suffix)?.int else {
                throw ModelFileError.invalidConfig("GGUF metadata '\(arch).\(suffix)' is missing or not an integer")
            }
            return v
        }
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let kvHeads = gguf.archValue("attention.head_count_kv")?.int ?? heads
        let headDim = gguf.archValue("attention.key_length")?.int ?? gguf.archValue("rope.dimension_count")?.int
        let vocab =
            gguf.archValue("vocab_size")?.int ?? gguf.strings("tokenizer.ggml.tokens")?.count
            ?? gguf.info("token_embd.weight")?.shape.first
        guard let vocab else {
            throw ModelFileError.invalidConfig(
                "GGUF has no \(arch).vocab_size, tokenizer.ggml.tokens or token_embd.weight")
        }
        var scaling: RopeScaling?
        if let type = gguf.archValue("rope.scaling.type")?.string, type != "none",
            let factor = gguf.archValue("rope.scaling.factor")?.decimalDouble
        {
            scaling = RopeScaling(
                type: type, factor: factor,
                originalMaxPositionEmbeddings: gguf.archValue("rope.scaling.original_context_length")?.int)
        }
        try self.init(
            hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"),
            numHiddenLayers: try int("block_count"),
            numAttentionHeads: heads,
            numKeyValueHeads: kvHeads,
            headDim: headDim,
            vocabSize: vocab,
            maxPositionEmbeddings: try int("context_length"),
            ropeTheta: gguf.archValue("rope.freq_base")?.decimalDouble ?? 10_000,
            rmsNormEps: gguf.archValue("attention.layer_norm_rms_epsilon")?.decimalDouble ?? 1e-5,
            ropeScaling: scaling,
            tieWordEmbeddings: gguf.info("output.weight") == nil,
            bosTokenID: gguf["tokenizer.ggml.bos_token_id"]?.int,
            eosTokenID: gguf["tokenizer.ggml.eos_token_id"]?.int,
            padTokenID: gguf["tokenizer.ggml.padding_token_id"]?.int
        )
        attentionBias = gguf.info("blk.0.attn_q.bias") != nil
        if let window = gguf.archValue("attention.sliding_window")?.int, window > 0 { slidingWindow = window }
        // llama.cpp keeps Llama 3.x rope scaling only as per-frequency divisors: recover the HF parameters from
        // them (an error if they match no llama3 scaling), never drop them.
        if ropeScaling == nil, gguf.info("rope_freqs.weight") != nil {
            ropeScaling = try Llama3RopeFit.fit(
                try gguf.float32("rope_freqs.weight"), headDim: self.headDim, theta: ropeTheta)
        }
    }
}

// MARK: - Hugging Face config.json

extension LlamaConfig {
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError.cannotOpen(path: url.path, reason: FileErrorText.reason(error, path: url.path))
        }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: [UInt8](data)) } catch {
            throw ModelFileError.invalidConfig("\(url.path): \(FileErrorText.reason(error))")
        }
        try self.init(json: json)
    }

    /// `model_type`s whose checkpoints use the Llama tensor layout.
    public static let llamaFamilyModelTypes: Set<String> = ["llama", "mistral", "qwen2"]

    public init(json: JSONValue) throws {
        guard json.object != nil else { throw ModelFileError.invalidConfig("config.json is not an object") }
        if let type = json["model_type"]?.string, !Self.llamaFamilyModelTypes.contains(type) {
            throw ModelFileError.invalidConfig(
                "model_type '\(type)' is not a Llama-family decoder (\(Self.llamaFamilyModelTypes.sorted().joined(separator: ", ")))"
            )
        }
        func int(_ key: String) throws -> Int {
            guard let v = json[key]?.int else {
                throw ModelFileError.invalidConfig("config.json: '\(key)' is missing or not an integer")
            }
            return v
        }
        func optInt(_ key: String) -> Int? {
            guard let v = json[key] else { return nil }
            if let i = v.int { return i }
            if let a = v.array, let first = a.first?.int { return first } // eos_token_id may be a list
            return nil
        }
        var scaling: RopeScaling?
        if let s = json["rope_scaling"], !s.isNull {
            guard let type = s["rope_type"]?.string ?? s["type"]?.string else {
                throw ModelFileError.invalidConfig("config.json: rope_scaling without a type")
            }
            scaling = RopeScaling(
                type: type, factor: s["factor"]?.double ?? 1,
                originalMaxPositionEmbeddings: s["original_max_position_embeddings"]?.int,
                lowFreqFactor: s["low_freq_factor"]?.double, highFreqFactor: s["high_freq_factor"]?.double)
        }
        let heads = try int("num_attention_heads")
        try self.init(
            hiddenSize: try int("hidden_size"),
            intermediateSize: try int("intermediate_size"),
            numHiddenLayers: try int("num_hidden_layers"),
            numAttentionHeads: heads,
            numKeyValueHeads: optInt("num_key_value_heads") ?? heads,
            headDim: optInt("head_dim"),
            vocabSize: try int("vocab_size"),
            maxPositionEmbeddings: optInt("max_position_embeddings") ?? 2048,
            ropeTheta: json["rope_theta"]?.double ?? 10_000,
            rmsNormEps: json["rms_norm_eps"]?.double ?? 1e-6,
            ropeScaling: scaling,
            tieWordEmbeddings: json["tie_word_embeddings"]?.bool ?? false,
            bosTokenID: optInt("bos_token_id"),
            eosTokenID: optInt("eos_token_id"),
            padTokenID: optInt("pad_token_id")
        )
        hiddenAct = json["hidden_act"]?.string ?? "silu"
        slidingWindow = json["sliding_window"]?.int
        attentionBias = json["attention_bias"]?.bool ?? (json["model_type"]?.string == "qwen2")
        mlpBias = json["mlp_bias"]?.bool ?? false
    }

    /// `config.json` for `LlamaForCausalLM` (keys sorted, as transformers writes them).
    public func huggingFaceJSON(torchDType: String) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("architectures", .array([.string("LlamaForCausalLM")])),
            ("attention_bias", .bool(attentionBias)),
            ("attention_dropout", .double(0.0)),
            ("bos_token_id", bosTokenID.map(JSONValue.int) ?? .null),
            ("eos_token_id", eosTokenID.map(JSONValue.int) ?? .null),
            ("head_dim", .int(headDim)),
            ("hidden_act", .string(hiddenAct)),
            ("hidden_size", .int(hiddenSize)),
            ("initializer_range", .double(0.02)),
            ("intermediate_size", .int(intermediateSize)),
            ("max_position_embeddings", .int(maxPositionEmbeddings)),
            ("mlp_bias", .bool(mlpBias)),
            ("model_type", .string("llama")),
            ("num_attention_heads", .int(numAttentionHeads)),
            ("num_hidden_layers", .int(numHiddenLayers)),
            ("num_key_value_heads", .int(numKeyValueHeads)),
            ("pad_token_id", padTokenID.map(JSONValue.int) ?? .null),
            ("pretraining_tp", .int(1)),
            ("rms_norm_eps", .double(rmsNormEps)),
            ("rope_scaling", ropeScalingJSON),
            ("rope_theta", .double(ropeTheta)),
            ("tie_word_embeddings", .bool(tieWordEmbeddings)),
            ("torch_dtype", .string(torchDType)),
            ("use_cache", .bool(true)),
            ("vocab_size", .int(vocabSize)),
        ]
        if let w = slidingWindow { m.append(("sliding_window", .int(w))) }
        m.sort { $0.0 < $1.0 }
        return .object(m)
    }

    private var ropeScalingJSON: JSONValue {
        guard let s = ropeScaling else { return .null }
        var o: [(String, JSONValue)] = [("factor", .double(s.factor))]
        if let h = s.highFreqFactor { o.append(("high_freq_factor", .double(h))) }
        if let l = s.lowFreqFactor { o.append(("low_freq_factor", .double(l))) }
        if let p = s.originalMaxPositionEmbeddings { o.append(("original_max_position_embeddings", .int(p))) }
        o.append(("rope_type", .string(s.type)))
        return .object(o)
    }
}
