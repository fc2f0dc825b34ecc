import Foundation
import Testing

@testable import Engine

/// Parity with transformers on tiny random Mistral (sliding window 4 over a 12-token prompt), Qwen2 (q/k/v biases,
/// tied head), Phi-3 (fused qkv and gate_up, sliding window 6; LongRoPE), Gemma 1 ((1+w) norms, √d embedding scale,
/// GeGLU, head_dim ≠ hidden/heads), Gemma 2 (sandwich norms, soft-capping, alternating window, query_pre_attn_scalar)
/// and Gemma 3 (q/k norms, local rotary base, linear rope scaling on global layers) models, made by
/// `scripts/reference/runtime_families_reference.py`.
@Suite("Runtime: tiny Mistral, Qwen2, Phi-3 and Gemma 1/2/3 parity with transformers")
struct RuntimeTinyFamiliesParityTests {
    static let names = [
        "mistral-sliding-window", "qwen2-qkv-bias", "phi3-fused", "gemma", "gemma2", "gemma3", "phi3-longrope",
    ]

    static func fixture(_ name: String) throws -> RuntimeFixtures.TinyModel {
        try #require(try RuntimeFixtures.tinyModels("runtime/tiny_families.json").first { $0.name == name })
    }

    @Test(
        "prefill logits at every position within 1e-4, KV-cache decode too, greedy continuation identical",
        arguments: names)
    func parity(name: String) throws {
        let f = try Self.fixture(name)
        let model = try LlamaModel(config: f.config, weights: f.weights)
        let logits = try model.forward(f.inputIDs, cache: model.makeCache(), logits: .all)
        for (r, expected) in f.logits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(logits.row(r), expected)
            #expect(diff < 1e-4, "\(name) position \(r): max |Δ| = \(diff)")
        }
        // LongRoPE switches frequencies per call once the sequence passes original_max_position_embeddings (as in
        // transformers), so a cached decode from a short prefix is not the full forward's computation: checked below
        // on the short prefix instead.
        if case .longrope = f.config.rope.scaling {
        } else {
            let cache = model.makeCache(capacity: 2)
            _ = try model.forward(Array(f.inputIDs[..<3]), cache: cache, logits: .none)
            for r in 3..<f.inputIDs.count {
                let diff = RuntimeFixtures.maxAbsDifference(
                    try model.forward([f.inputIDs[r]], cache: cache).last, f.logits[r])
                #expect(diff < 1e-4, "\(name) decode position \(r): max |Δ| = \(diff)")
            }
        }
        if let short = f.shortLogits {
            let prefix = try model.forward(Array(f.inputIDs[..<short.count]), cache: model.makeCache(), logits: .all)
            for (r, expected) in short.enumerated() {
                let diff = RuntimeFixtures.maxAbsDifference(prefix.row(r), expected)
                #expect(diff < 1e-4, "\(name) short prefix position \(r): max |Δ| = \(diff)")
            }
        }
        if let saved = f.savedConfig {
            // The config.json transformers 5 writes (nested rope_parameters, layer_types) reads the same.
            var config = try DecoderConfig(huggingFace: saved)
            config.eosTokenIDs = f.config.eosTokenIDs
            #expect(config == f.config, "\(name): saved config \(config) ≠ \(f.config)")
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
            .forward(
                mistral.inputIDs, cache: LlamaModel(config: unwindowed, weights: mistral.weights).makeCache(),
                logits: .all)
        #expect(RuntimeFixtures.maxAbsDifference(full.row(mistral.inputIDs.count - 1), mistral.logits.last!) > 1e-2)

        let qwen = try Self.fixture("qwen2-qkv-bias")
        #expect(qwen.config.slidingWindow == nil && qwen.config.tiedEmbeddings)
        #expect(qwen.weights.shape(of: "model.layers.0.self_attn.q_proj.bias") == [qwen.config.queryDim])

        let phi = try Self.fixture("phi3-fused")
        #expect(phi.weights.shape(of: "model.layers.0.self_attn.qkv_proj.weight") != nil)
        #expect(phi.weights.shape(of: "model.layers.0.mlp.gate_up_proj.weight") != nil)
        #expect(phi.weights.shape(of: "model.layers.0.self_attn.q_proj.weight") == nil)

        let gemma = try Self.fixture("gemma")
        #expect(gemma.config.gemma && gemma.config.queryDim != gemma.config.hiddenSize)
        var llamaReading = gemma.config
        llamaReading.gemma = false
        let plain = try LlamaModel(config: llamaReading, weights: gemma.weights)
        let wrong = try plain.forward(gemma.inputIDs, cache: plain.makeCache(), logits: .last)
        #expect(RuntimeFixtures.maxAbsDifference(wrong.last, gemma.logits.last!) > 1e-2)
    }

    /// The logits at the last position when `change` is applied to a fixture's config must move by more than 1e-2:
    /// each Gemma 2/3 and LongRoPE feature is exercised by its fixture.
    private func matters(_ name: String, _ what: String, _ change: (inout DecoderConfig) -> Void) throws {
        let f = try Self.fixture(name)
        var config = f.config
        change(&config)
        let model = try LlamaModel(config: config, weights: f.weights)
        let logits = try model.forward(f.inputIDs, cache: model.makeCache(), logits: .last)
        #expect(
            RuntimeFixtures.maxAbsDifference(logits.last, f.logits.last!) > 1e-2, "\(name): \(what) does not matter")
    }

    @Test("Gemma 2/3 and LongRoPE fixtures exercise each feature")
    func gemmaFeaturesMatter() throws {
        let g2 = try Self.fixture("gemma2").config
        #expect(g2.slidingLayers == [true, false, true] && g2.attentionSoftCap == 2 && g2.finalLogitSoftCap == 3)
        try matters("gemma2", "attention soft-cap") { $0.attentionSoftCap = nil }
        try matters("gemma2", "final soft-cap") { $0.finalLogitSoftCap = nil }
        try matters("gemma2", "alternating window") { $0.slidingLayers = nil }
        try matters("gemma2", "query_pre_attn_scalar") { $0.attentionScale = nil }
        let g3 = try Self.fixture("gemma3").config
        #expect(g3.queryKeyNorm && g3.slidingLayers == [true, false, true, false])
        #expect(
            g3.rope == RopeConfig(theta: 1_000_000, scaling: .linear(factor: 8))
                && g3.localRope == RopeConfig(theta: 10_000))
        try matters("gemma3", "local rotary base") { $0.localRope = nil }
        try matters("gemma3", "global rope scaling") { $0.rope.scaling = .none }
        try matters("gemma3", "window") { $0.slidingWindow = nil }
        try matters("phi3-longrope", "long factors") { c in
            if case .longrope(let s, _, let o, let a) = c.rope.scaling {
                c.rope.scaling = .longrope(shortFactors: s, longFactors: s, originalMaxPositions: o, attentionFactor: a)
            }
        }
    }

    @Test("unsupported Gemma variants and bad layer types are refused by name")
    func refusals() throws {
        var json = try #require(try Self.fixture("gemma2").savedConfig)
        json["layer_types"] = ["sliding_attention", "chunked_attention", "full_attention"]
        #expect(throws: RuntimeError.self) { try DecoderConfig(huggingFace: json) }
        json["layer_types"] = ["sliding_attention"]
        #expect(throws: RuntimeError.self) { try DecoderConfig(huggingFace: json) }
        var g3 = try #require(try Self.fixture("gemma3").savedConfig)
        g3["use_bidirectional_attention"] = true
        #expect(throws: RuntimeError.self) { try DecoderConfig(huggingFace: g3) }
        g3["use_bidirectional_attention"] = false
        g3["model_type"] = "gemma3"
        #expect(throws: RuntimeError.self) { try DecoderConfig(huggingFace: g3) }
        var longrope = try #require(try Self.fixture("phi3-longrope").savedConfig)
        var rope = try #require(longrope["rope_parameters"] as? [String: Any])
        rope["short_factor"] = [1.0, 2.0]
        longrope["rope_parameters"] = rope
        #expect(throws: RuntimeError.self) { try DecoderConfig(huggingFace: longrope) }
    }
}
