import Foundation
import Testing

@testable import Engine

/// Tiny models for the tuning tests: random ones built here, and the torch reference fixture.
enum TuningTestModels {
    /// A random tiny Llama: GQA, optional tied head, attention biases and sliding window (the parts the torch
    /// fixture does not cover).
    static func random(
        seed: UInt64, vocabulary: Int = 24, tied: Bool = false, bias: Bool = false,
        slidingWindow: Int? = nil, kvHeads: Int = 2
    ) throws -> TuningModel {
        try randomWithWeights(
            seed: seed, vocabulary: vocabulary, tied: tied, bias: bias, slidingWindow: slidingWindow,
            kvHeads: kvHeads
        ).model
    }

    /// The random model and the same weights as a runtime `WeightSource` (HF names).
    static func randomWithWeights(
        seed: UInt64, vocabulary: Int = 24, tied: Bool = false, bias: Bool = false,
        slidingWindow: Int? = nil, kvHeads: Int = 2
    ) throws -> (model: TuningModel, weights: InMemoryWeights) {
        let config = DecoderConfig(
            hiddenSize: 16, intermediateSize: 24, layerCount: 2, headCount: 4, kvHeadCount: kvHeads,
            vocabularySize: vocabulary, rmsNormEps: 1e-5, rope: RopeConfig(theta: 500),
            tiedEmbeddings: tied, maxPositions: 64, slidingWindow: slidingWindow, attentionBias: bias)
        var random = SeededRandom(seed: seed)
        func values(_ n: Int, scale: Float = 0.3, offset: Float = 0) -> [Float] {
            (0..<n).map { _ in offset + scale * (Float(random.next() % 2_000_001) / 1_000_000 - 1) }
        }
        let h = config.hiddenSize, ff = config.intermediateSize
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        func add(_ name: String, _ shape: [Int], scale: Float = 0.5, offset: Float = 0) {
            tensors[name] = (shape, values(shape.reduce(1, *), scale: scale, offset: offset))
        }
        for l in 0..<config.layerCount {
            let p = "model.layers.\(l)."
            add(p + "input_layernorm.weight", [h], scale: 0.2, offset: 1)
            add(p + "post_attention_layernorm.weight", [h], scale: 0.2, offset: 1)
            add(p + "self_attn.q_proj.weight", [config.queryDim, h])
            add(p + "self_attn.k_proj.weight", [config.kvDim, h])
            add(p + "self_attn.v_proj.weight", [config.kvDim, h])
            add(p + "self_attn.o_proj.weight", [h, config.queryDim])
            if bias {
                add(p + "self_attn.q_proj.bias", [config.queryDim], scale: 0.1)
                add(p + "self_attn.k_proj.bias", [config.kvDim], scale: 0.1)
                add(p + "self_attn.v_proj.bias", [config.kvDim], scale: 0.1)
            }
            add(p + "mlp.gate_proj.weight", [ff, h])
            add(p + "mlp.up_proj.weight", [ff, h])
            add(p + "mlp.down_proj.weight", [h, ff])
        }
        add("model.norm.weight", [h], scale: 0.2, offset: 1)
        let body = try FrozenBody(config: config) { tensors[$0] }
        let embedding = try EmbeddingMatrix(rows: vocabulary, columns: h, values: values(vocabulary * h, scale: 0.8))
        let head =
            tied ? nil : try EmbeddingMatrix(rows: vocabulary, columns: h, values: values(vocabulary * h, scale: 0.8))
        let weights = InMemoryWeights()
        for (name, t) in tensors { weights.set(name, shape: t.shape, values: t.values) }
        weights.set("model.embed_tokens.weight", shape: [vocabulary, h], values: embedding.values)
        if let head { weights.set("lm_head.weight", shape: [vocabulary, h], values: head.values) }
        return (try TuningModel(config: config, body: body, embedding: embedding, head: head), weights)
    }

    struct Reference {
        let name: String
        let model: TuningModel
        let batch: TokenBatch
        let loss: Double
        let gradientRows: [Int]
        let embeddingGradient: [[Double]]
        let headGradient: [[Double]]?
    }

    /// `Fixtures/tuning/tiny_tuning.json` (scripts/reference/tune_reference.py).
    static func references() throws -> [Reference] {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tuning/tiny_tuning.json")))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let models = try #require(root["models"] as? [[String: Any]])
        return try models.map { m in
            var config = try DecoderConfig(huggingFace: try #require(m["config"] as? [String: Any]))
            config.inputVocabularySize = config.outputVocabularySize
            let raw = try #require(m["tensors"] as? [String: [String: Any]])
            var tensors: [String: (shape: [Int], values: [Float])] = [:]
            for (name, t) in raw {
                tensors[name] = (
                    try #require(t["shape"] as? [Int]), try #require(t["values"] as? [Double]).map { Float($0) }
                )
            }
            let body = try FrozenBody(config: config) { tensors[$0] }
            func matrix(_ name: String) throws -> EmbeddingMatrix {
                let t = try #require(tensors[name])
                return try EmbeddingMatrix(rows: t.shape[0], columns: t.shape[1], values: t.values)
            }
            let model = try TuningModel(
                config: config, body: body, embedding: try matrix("model.embed_tokens.weight"),
                head: config.tiedEmbeddings ? nil : try matrix("lm_head.weight"))
            return Reference(
                name: try #require(m["name"] as? String), model: model,
                batch: try TokenBatch(try #require(m["batch"] as? [[Int]])),
                loss: try #require(m["loss"] as? Double),
                gradientRows: try #require(m["embedding_grad_rows"] as? [Int]),
                embeddingGradient: try #require(m["embedding_grad"] as? [[Double]]),
                headGradient: m["head_grad"] as? [[Double]])
        }
    }

    /// Loss and gradients of `batch` (fresh buffers).
    static func lossAndGradients(_ model: TuningModel, _ batch: TokenBatch) throws -> (
        loss: Double, gradients: TuningGradients
    ) {
        let ws = TrainingWorkspace(config: model.config, sequences: batch.count, length: batch.length)
        let g = TuningGradients(model: model)
        let outcome = try TrainingPass.run(model: model, batch: batch, workspace: ws, gradients: g)
        return (outcome.meanLoss, g)
    }

    static func loss(_ model: TuningModel, _ batch: TokenBatch) throws -> Double {
        let ws = TrainingWorkspace(config: model.config, sequences: batch.count, length: batch.length)
        return try TrainingPass.run(model: model, batch: batch, workspace: ws, gradients: nil).meanLoss
    }
}
