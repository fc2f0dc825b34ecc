import Foundation
import Testing

@testable import Engine

/// Parity with transformers on two tiny random Llamas whose weights are in the fixture: GQA + llama3 rope scaling +
/// untied head, and MHA + linear scaling + tied head.
@Suite("Runtime: tiny Llama parity with transformers")
struct RuntimeTinyLlamaParityTests {
    @Test("prefill logits at every position match transformers", arguments: ["gqa-llama3-untied", "mha-linear-tied"])
    func prefillLogits(name: String) throws {
        let fixture = try #require(try RuntimeFixtures.tinyModels().first { $0.name == name })
        let model = try LlamaModel(config: fixture.config, weights: fixture.weights)
        let logits = try model.forward(fixture.inputIDs, cache: model.makeCache(), logits: .all)
        #expect(logits.rows == fixture.inputIDs.count)
        for (r, expected) in fixture.logits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(logits.row(r), expected)
            #expect(diff < 1e-4, "position \(r): max |Δ| = \(diff)")
        }
    }

    @Test(
        "one-token decode steps through the KV cache give the prefill logits",
        arguments: ["gqa-llama3-untied", "mha-linear-tied"])
    func decodeMatchesPrefill(name: String) throws {
        let fixture = try #require(try RuntimeFixtures.tinyModels().first { $0.name == name })
        let model = try LlamaModel(config: fixture.config, weights: fixture.weights)
        let cache = model.makeCache(capacity: 2) // forces the cache to grow
        let prefix = 5
        _ = try model.forward(Array(fixture.inputIDs[..<prefix]), cache: cache, logits: .none)
        for r in prefix..<fixture.inputIDs.count {
            let step = try model.forward([fixture.inputIDs[r]], cache: cache)
            let diff = RuntimeFixtures.maxAbsDifference(step.last, fixture.logits[r])
            #expect(diff < 1e-4, "position \(r): max |Δ| = \(diff)")
        }
        #expect(cache.count == fixture.inputIDs.count)
    }

    @Test("greedy continuation matches transformers", arguments: ["gqa-llama3-untied", "mha-linear-tied"])
    func greedy(name: String) throws {
        let fixture = try #require(try RuntimeFixtures.tinyModels().first { $0.name == name })
        let model = try LlamaModel(config: fixture.config, weights: fixture.weights)
        let cache = model.makeCache()
        var logits = try model.forward(fixture.inputIDs, cache: cache)
        var produced: [Int] = []
        for _ in 0..<fixture.greedy.count {
            let next = logits.last.indices.max { logits.last[$0] < logits.last[$1] }! - logits.last.startIndex
            produced.append(next)
            logits = try model.forward([next], cache: cache)
        }
        #expect(produced == fixture.greedy)
    }

    @Test("configuration is read from the Hugging Face keys")
    func config() throws {
        let models = try RuntimeFixtures.tinyModels()
        let a = try #require(models.first { $0.name == "gqa-llama3-untied" })
        #expect(a.config.kvHeadCount == 2 && a.config.headCount == 4 && !a.config.tiedEmbeddings)
        #expect(
            a.config.rope
                == RopeConfig(
                    theta: 500000,
                    scaling: .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16)))
        let b = try #require(models.first { $0.name == "mha-linear-tied" })
        #expect(b.config.tiedEmbeddings && b.config.rope.scaling == .linear(factor: 2))
        #expect(b.config.hydraSourceOffset == nil)
    }

    @Test("a missing tensor and a wrong shape are reported by name")
    func loadErrors() throws {
        let fixture = try #require(try RuntimeFixtures.tinyModels().first)
        let weights = InMemoryWeights()
        for (name, t) in fixture.weights.tensors where name != "model.layers.1.mlp.up_proj.weight" {
            weights.set(name, shape: t.shape, values: t.values)
        }
        #expect(throws: RuntimeError.missingTensor("model.layers.1.mlp.up_proj.weight")) {
            try LlamaModel(config: fixture.config, weights: weights)
        }
        weights.set("model.layers.1.mlp.up_proj.weight", shape: [2, 8], values: Array(repeating: 0, count: 16))
        #expect(
            throws: RuntimeError.shapeMismatch(
                tensor: "model.layers.1.mlp.up_proj.weight", expected: [24, 16], found: [2, 8])
        ) {
            try LlamaModel(config: fixture.config, weights: weights)
        }
    }
}
