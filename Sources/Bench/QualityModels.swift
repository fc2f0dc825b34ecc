import ArgumentParser
import Engine
import Foundation

/// A model file's weights with the embedding table (and head) replaced in memory: the benchmark evaluates every
/// initialisation without writing a model directory per row.
final class OverlayWeights: WeightSource, @unchecked Sendable {
    let base: any WeightSource
    let overrides: [String: (shape: [Int], values: [Float])]

    init(base: any WeightSource, overrides: [String: (shape: [Int], values: [Float])]) {
        self.base = base
        self.overrides = overrides
    }

    func shape(of name: String) -> [Int]? { overrides[name]?.shape ?? base.shape(of: name) }
    func float32(_ name: String) throws -> [Float] {
        if let o = overrides[name] { return o.values }
        return try base.float32(name)
    }
    func float32View(_ name: String) -> FloatStorage? { overrides[name] == nil ? base.float32View(name) : nil }
}

/// Builds runnable models from the source model's body and new tables.
struct QualityModels {
    let source: SourceModel
    let baseConfig: DecoderConfig

    init(source: SourceModel) throws {
        self.source = source
        guard let llama = source.config.llama else {
            throw ValidationError(
                "the quality benchmark runs Llama-family decoders; this model is \(source.config.architecture)")
        }
        baseConfig = try DecoderConfig(llama)
    }

    private func weights() -> any WeightSource {
        if let gguf = source.tensors as? GGUFLlamaTensors { return TensorFileWeights(gguf: gguf) }
        return TensorFileWeights(source.tensors)
    }

    /// The source model as it is, with its own tokenizer.
    func original() throws -> LlamaModel { try LlamaModel(config: baseConfig, weights: weights()) }

    /// The source body with `embedding` (and an untied `head`) for the target vocabulary.
    func adapted(
        embedding: EmbeddingMatrix, head: EmbeddingMatrix?, target: Tokenizer, headBias: [Float]? = nil
    ) throws -> LlamaModel {
        var config = baseConfig
        config.inputVocabularySize = embedding.rows
        config.outputVocabularySize = embedding.rows
        config.bosTokenID = target.specialTokenIDs[.bos]
        config.eosTokenIDs = target.specialTokenIDs[.eos].map { [$0] } ?? []
        var overrides = [
            "model.embed_tokens.weight": (shape: [embedding.rows, embedding.columns], values: embedding.values)
        ]
        if !config.tiedEmbeddings {
            let h = head ?? embedding
            overrides["lm_head.weight"] = ([h.rows, h.columns], h.values)
        }
        if let headBias { overrides[HydraAssembler.outputBiasName] = ([headBias.count], headBias) }
        return try LlamaModel(config: config, weights: OverlayWeights(base: weights(), overrides: overrides))
    }

    /// A Hydra model (§3) in memory, laid out as `HydraWriter` writes it: input `[E_tgt ; E_src]`, head `U_tgt`
    /// (`E_tgt` for a tied source model), source ids offset by |V_tgt|, the target tokenizer's BOS/EOS; with a
    /// `prior`, its head bias and length ratio, as `transfer --hydra` writes them.
    func hydra(
        embedding: EmbeddingMatrix, head: EmbeddingMatrix?, target: Tokenizer, prior: HydraPrior? = nil
    ) throws -> LlamaModel {
        let assembled = try HydraAssembler.assemble(
            targetEmbedding: embedding, sourceEmbedding: source.embedding, targetHead: head)
        var config = baseConfig
        config.inputVocabularySize = assembled.config.inputVocabSize
        config.outputVocabularySize = assembled.config.outputVocabSize
        config.tiedEmbeddings = false
        config.hydraSourceOffset = assembled.config.sourceIDOffset
        config.hydraTargetTokensPerSourceByte = prior?.targetTokensPerSourceByte
        config.bosTokenID = target.specialTokenIDs[.bos]
        config.eosTokenIDs = target.specialTokenIDs[.eos].map { [$0] } ?? []
        let input = assembled.inputEmbedding, out = assembled.outputHead
        var overrides = [
            "model.embed_tokens.weight": (shape: [input.rows, input.columns], values: input.values),
            "lm_head.weight": ([out.rows, out.columns], out.values),
        ]
        if let bias = prior?.headBias { overrides[HydraAssembler.outputBiasName] = ([bias.count], bias) }
        return try LlamaModel(config: config, weights: OverlayWeights(base: weights(), overrides: overrides))
    }
}

/// Bits per byte of one text under one model and tokenizer, every byte scored (the tokenizer's BOS, or else the
/// model's, is the context before the first token; without either the first token is context and its bytes are
/// left out, as `transtok eval` does).
struct QualityScore {
    var result: EvaluationResult
    var seconds: Double

    static func measure(model: LlamaModel, tokenizer: Tokenizer, text: String, window: Int, stride: Int) throws
        -> QualityScore
    {
        let start = Date()
        let evaluator = try Evaluator(model: model, window: min(window, model.config.maxPositions), stride: stride)
        let bos = tokenizer.specialTokenIDs[.bos] ?? model.config.bosTokenID
        let r = try evaluator.evaluate(text: text, codec: tokenizer, context: bos.map { [$0] } ?? [])
        return QualityScore(result: r, seconds: Date().timeIntervalSince(start))
    }
}
