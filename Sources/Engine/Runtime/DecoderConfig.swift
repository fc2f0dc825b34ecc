/// Hyper-parameters of a Llama-family decoder (Llama 2/3, Mistral, TowerInstruct, SmolLM2, and Hydra checkpoints
/// made from them), as the runtime needs them.
public struct DecoderConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    /// Rows of the input embedding table. Equal to `outputVocabularySize` except in Hydra checkpoints.
    public var inputVocabularySize: Int
    /// Rows of the output head (logits per position).
    public var outputVocabularySize: Int
    public var rmsNormEps: Float
    public var rope: RopeConfig
    /// The head is the input table (its first `outputVocabularySize` rows).
    public var tiedEmbeddings: Bool
    /// Longest sequence the model was trained for (`max_position_embeddings`); generation refuses to go beyond it.
    public var maxPositions: Int
    /// Mistral-style sliding-window attention: a query attends only to the last `slidingWindow` positions.
    public var slidingWindow: Int?
    /// Whether q/k/v/o projections have biases (`attention_bias`).
    public var attentionBias: Bool
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]
    /// Hydra checkpoints: where source-language ids start in the input table (source id `k` enters as
    /// `k + hydraSourceOffset`). `nil` for ordinary models.
    public var hydraSourceOffset: Int?
    /// Hydra checkpoints: target tokens per source byte in the parallel text they were built from
    /// (`hydra_target_tokens_per_source_byte`); translation caps its length with it (`HydraTranslator`).
    public var hydraTargetTokensPerSourceByte: Double?
    /// Gemma: RMSNorm weights are stored as `w` and applied as `1 + w`; the embedding is scaled by √hidden; the MLP
    /// is GeGLU (tanh-approximated GELU) instead of SwiGLU.
    public var gemma: Bool = false
    /// Gemma 2/3 blocks: the attention output and the MLP output are each RMS-normalised before the residual add
    /// (`post_attention_layernorm`, `post_feedforward_layernorm`); the MLP's input norm is `pre_feedforward_layernorm`.
    public var sandwichNorms: Bool = false
    /// Gemma 3: per-head RMSNorm of queries and keys (`q_norm`, `k_norm`, `headDim` weights) before the rotation.
    public var queryKeyNorm: Bool = false
    /// Multiplier of `q·k` (Gemma 2/3: `query_pre_attn_scalar^-0.5`); nil means `headDim^-0.5`.
    public var attentionScale: Float?
    /// Gemma 2: attention scores become `cap·tanh(score/cap)` before the mask and softmax.
    public var attentionSoftCap: Float?
    /// Gemma 2: logits become `cap·tanh(logit/cap)`.
    public var finalLogitSoftCap: Float?
    /// Which layers use `slidingWindow` (Gemma 2/3 `layer_types`); nil means every layer does (Mistral).
    public var slidingLayers: [Bool]?
    /// Rotary parameters of the sliding-window layers when they differ from `rope` (Gemma 3's
    /// `rope_local_base_freq`); nil means every layer uses `rope`.
    public var localRope: RopeConfig?

    public init(
        hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int, kvHeadCount: Int, headDim: Int? = nil,
        vocabularySize: Int, inputVocabularySize: Int? = nil, rmsNormEps: Float = 1e-5, rope: RopeConfig = RopeConfig(),
        tiedEmbeddings: Bool = false, maxPositions: Int = 4096, slidingWindow: Int? = nil, attentionBias: Bool = false,
        bosTokenID: Int? = nil, eosTokenIDs: [Int] = [], hydraSourceOffset: Int? = nil
    ) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim ?? (headCount > 0 ? hiddenSize / headCount : 0)
        self.outputVocabularySize = vocabularySize
        self.inputVocabularySize = inputVocabularySize ?? vocabularySize
        self.rmsNormEps = rmsNormEps
        self.rope = rope
        self.tiedEmbeddings = tiedEmbeddings
        self.maxPositions = maxPositions
        self.slidingWindow = slidingWindow
        self.attentionBias = attentionBias
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
        self.hydraSourceOffset = hydraSourceOffset
    }

    public var queryDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }
    public var isHydra: Bool { hydraSourceOffset != nil }

    /// Whether layer `l` attends through the sliding window.
    public func isSliding(layer l: Int) -> Bool {
        guard slidingWindow != nil else { return false }
        guard let layers = slidingLayers else { return true }
        return l < layers.count && layers[l]
    }

    /// The attention window of layer `l` (nil: the whole causal prefix).
    public func window(layer l: Int) -> Int? { isSliding(layer: l) ? slidingWindow : nil }

    /// Checks the relations the forward pass relies on.
    public func validate() throws {
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw RuntimeError.invalidConfig(message) } }
        try need(hiddenSize > 0 && intermediateSize > 0 && layerCount > 0, "sizes must be positive")
        try need(headCount > 0 && kvHeadCount > 0, "head counts must be positive")
        try need(headCount % kvHeadCount == 0, "\(headCount) heads are not a multiple of \(kvHeadCount) kv heads")
        try need(headDim > 0 && headDim % 2 == 0, "head dimension \(headDim) must be positive and even")
        try need(outputVocabularySize > 0 && inputVocabularySize > 0, "vocabulary sizes must be positive")
        try need(
            !tiedEmbeddings || inputVocabularySize >= outputVocabularySize,
            "a tied head needs at least \(outputVocabularySize) input rows, found \(inputVocabularySize)")
        if let offset = hydraSourceOffset {
            try need(
                offset >= 0 && offset <= inputVocabularySize, "hydra source offset \(offset) is outside the input table"
            )
        }
        if let layers = slidingLayers {
            try need(layers.count == layerCount, "\(layers.count) layer types for \(layerCount) layers")
        }
        if let w = slidingWindow { try need(w > 0, "sliding window \(w) must be positive") }
        for (name, cap) in [("attention", attentionSoftCap), ("final logit", finalLogitSoftCap)] {
            if let cap { try need(cap > 0 && cap.isFinite, "\(name) soft-cap \(cap) must be positive") }
        }
        if let s = attentionScale { try need(s > 0 && s.isFinite, "attention scale \(s) must be positive") }
        try rope.validate(headDim: headDim)
        try localRope?.validate(headDim: headDim)
    }
}

/// Rotary position embedding parameters.
public struct RopeConfig: Sendable, Equatable {
    public var theta: Double
    public var scaling: RopeScaling

    public init(theta: Double = 10000, scaling: RopeScaling = .none) {
        self.theta = theta
        self.scaling = scaling
    }

    func validate(headDim: Int) throws {
        guard theta > 0 else { throw RuntimeError.invalidConfig("rope theta must be positive, found \(theta)") }
        switch scaling {
        case .none: break
        case .linear(let f):
            guard f > 0 else { throw RuntimeError.invalidConfig("linear rope factor must be positive") }
        case .llama3(let f, let low, let high, let original):
            guard f > 0, low > 0, high > low, original > 0 else {
                throw RuntimeError.invalidConfig(
                    "llama3 rope scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor, original_max_position_embeddings > 0"
                )
            }
        case .frequencyDivisors(let d):
            guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw RuntimeError.invalidConfig("rope frequency divisors must be positive")
            }
        case .longrope(let short, let long, let original, let attentionFactor):
            guard short.count == headDim / 2, long.count == headDim / 2 else {
                throw RuntimeError.invalidConfig(
                    "longrope short_factor and long_factor need \(headDim / 2) values each (head_dim / 2), found \(short.count) and \(long.count)"
                )
            }
            guard (short + long).allSatisfy({ $0 > 0 && $0.isFinite }), original > 0, attentionFactor > 0 else {
                throw RuntimeError.invalidConfig(
                    "longrope factors, original_max_position_embeddings and attention_factor must be positive")
            }
        }
    }
}

/// How the rotary frequencies are stretched for longer contexts (`rope_scaling` in a Hugging Face config).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Position interpolation: every frequency divided by `factor`.
    case linear(factor: Double)
    /// Llama 3.x: low frequencies divided by `factor`, high ones kept, a smooth ramp between.
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositions: Int)
    /// One divisor per frequency (`headDim / 2`), as llama.cpp stores llama3 scaling in GGUF (`rope_freqs.weight`).
    case frequencyDivisors([Float])
    /// Phi-3 LongRoPE (`longrope`, formerly `su`): one divisor per frequency, `shortFactors` while a forward call's
    /// sequence (cached positions + new ones) fits in `originalMaxPositions`, `longFactors` beyond; cos and sin are
    /// multiplied by `attentionFactor`. As in transformers, the choice is made per forward call.
    case longrope(shortFactors: [Float], longFactors: [Float], originalMaxPositions: Int, attentionFactor: Double)
}
