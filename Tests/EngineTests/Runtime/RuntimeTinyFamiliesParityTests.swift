import Foundation
import Testing
@testable import Engine

/// Parity with transformers on tiny random Mistral (sliding window 4 over a 12-token prompt), Qwen2 (q/k/v biases,
/// tied head) and Phi-3 (fused qkv and gate_up, sliding window 6) models, made by
/// `scripts/reference/runtime_families_reference.py`.
@Suite("Runtime: tiny Mistral and Qwen2 parity with transformers")
struct RuntimeTinyFamiliesParityTests {
    static let names = ["mistral-sliding-window", "qwen2-qkv-bias", "phi3-fused"]

    static func fixture(_ name: String) throws -> RuntimeFixtures.TinyModel {
        try #require(try RuntimeFixtures.tinyModels("runtime/tiny_families.json").first { $0.name == name })
    }

    @Test("prefill logits at every position within 1e-4, KV-cache decode too, greedy continuation identical",
          arguments: names)
    func parity(name: String) throws {
        let f = try Self.fixture(name)
        let model = try LlamaModel(config: f.config, weights: f.weights)
        let logits = try model.forward(f.inputIDs, cache: model.makeCache(), logits: .all)
        for (r, expected) in f.logits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(logits.row(r), expected)
            #expect(diff < 1e-4, "\(name) position \(r): max |Δ| = \(diff)")
        }
        let cache = model.makeCache(capacity: 2)
        _ = try model.forward(Array(f.inputIDs[..<3]), cache: cache, logits: .none)
        for r in 3..<f.inputIDs.count {
            let diff = RuntimeFixtures.maxAbsDifference(try model.forward([f.inputIDs[r]], cache: cache).last, f.logits[r])
            #expect(diff < 1e-4, "\(name) decode position \(r): max |Δ| = \(diff)")
        }
        let result = try Generator(model: model).generate(
            prompt: f.inputIDs, options: GenerationOptions(maxTokens: f.greedy.count, ignoreModelEOS: true))
        #expect(result.tokens == f.greedy)
    }

    @Test("the fixtures exercise what differs from Llama: the window and the biases change the logits")
    func featuresMatter() throws {
        let mistral = try Self.fixture("mistral-sliding-window")
        #expect(mistral.config.slidingWindow == 4)
        var unwindowed = mistral.config
        unwindowed.slidingWindow = nil
        let full = try LlamaModel(config: unwindowed, weights: mistral.weights)
            .forward(mistral.inputIDs, cache: LlamaModel(config: unwindowed, weights: mistral.weights).makeCache(), logits: .all)
        #expect(RuntimeFixtures.maxAbsDifference(full.row(mistral.inputIDs.count - 1), mistral.logits.last!) > 1e-2)

        let qwen = try Self.fixture("qwen2-qkv-bias")
        #expect(qwen.config.slidingWindow == nil && qwen.config.tiedEmbeddings)
        #expect(qwen.weights.shape(of: "model.layers.0.self_attn.q_proj.bias") == [qwen.config.queryDim])

        let phi = try Self.fixture("phi3-fused")
        #expect(phi.weights.shape(of: "model.layers.0.self_attn.qkv_proj.weight") != nil)
        #expect(phi.weights.shape(of: "model.layers.0.mlp.gate_up_proj.weight") != nil)
        #expect(phi.weights.shape(of: "model.layers.0.self_attn.q_proj.weight") == nil)
    }
}
