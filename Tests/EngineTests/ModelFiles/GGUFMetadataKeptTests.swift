import Foundation
import Testing

@testable import Engine

/// What a GGUF says beyond the tensors survives conversion to a Hugging Face config: Llama 3.x rope scaling (stored
/// by llama.cpp only as `rope_freqs.weight` divisors; reference divisors from transformers' own llama3 rope, by
/// `scripts/reference/make_llama3_rope_freqs.py`) and a Mistral sliding window. On main both were dropped.
@Suite("ModelFiles: GGUF rope scaling and sliding window kept")
struct GGUFMetadataKeptTests {
    struct Case: Decodable {
        let name: String
        let head_dim: Int
        let rope_theta: Double
        let rope_scaling: [String: Double]
        let rope_freqs: [Float]
    }

    static func cases() throws -> [Case] {
        struct Root: Decodable { let cases: [Case] }
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("modelfiles/llama3_rope_freqs.json")))
        return try JSONDecoder().decode(Root.self, from: data).cases
    }

    /// A `llama` GGUF, hidden 32 in 2 heads of 16, with `rope_freqs.weight` = `freqs` and optional sliding window.
    static func gguf(freqs: [Float]?, slidingWindow: UInt32? = nil, theta: Float = 10_000) throws -> GGUFFile {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        for (key, value) in [
            ("embedding_length", 32), ("attention.head_count", 2), ("attention.head_count_kv", 2),
            ("feed_forward_length", 64), ("block_count", 1), ("context_length", 131072),
        ] {
            b.add("llama.\(key)", u32: UInt32(value))
        }
        b.add("llama.rope.freq_base", type: 6, raw: GGUFBuilder.le(theta.bitPattern))
        if let slidingWindow { b.add("llama.attention.sliding_window", u32: slidingWindow) }
        b.tensors = [
            .init(name: "token_embd.weight", dims: [32, 4], type: 0, offset: 0),
            .init(name: "output_norm.weight", dims: [32], type: 0, offset: 512),
        ]
        var values = (0..<160).map { Float($0) / 100 }
        if let freqs {
            b.tensors.append(.init(name: "rope_freqs.weight", dims: [UInt64(freqs.count)], type: 0, offset: 640))
            values += freqs
        }
        b.data = values.flatMap { GGUFBuilder.le($0.bitPattern) }
        return try GGUFFile(path: try b.write("meta-\(UUID().uuidString).gguf"))
    }

    @Test("llama3 parameters are recovered from transformers' divisors", arguments: ["llama3.1", "llama3.2", "tiny"])
    func fit(name: String) throws {
        let c = try #require(try Self.cases().first { $0.name == name })
        let s = try #require(try Llama3RopeFit.fit(c.rope_freqs, headDim: c.head_dim, theta: c.rope_theta))
        #expect(s.type == "llama3" && s.factor == c.rope_scaling["factor"])
        #expect(
            s.lowFreqFactor == c.rope_scaling["low_freq_factor"]
                && s.highFreqFactor == c.rope_scaling["high_freq_factor"])
        #expect(s.originalMaxPositionEmbeddings == c.rope_scaling["original_max_position_embeddings"].map(Int.init))
    }

    @Test func convertedConfigKeepsLlama3RopeScaling() throws {
        let c = try #require(try Self.cases().first { $0.name == "tiny" })
        let tensors = try GGUFLlamaTensors(try Self.gguf(freqs: c.rope_freqs))
        let json = ModelConfig(llama: tensors.config).json
        let scaling = try #require(json["rope_scaling"])
        #expect(scaling["rope_type"]?.string == "llama3" && scaling["factor"]?.double == 8)
        #expect(scaling["low_freq_factor"]?.double == 1 && scaling["high_freq_factor"]?.double == 4)
        #expect(scaling["original_max_position_embeddings"]?.int == 8192)
        // The runtime reads the written config back to the same frequencies the GGUF's divisors give.
        var object = [String: Any]()
        for (k, v) in try #require(json.object) {
            object[k] = try JSONSerialization.jsonObject(
                with: Data(v.serialized(indent: nil).utf8), options: .fragmentsAllowed)
        }
        let fromConfig = try DecoderConfig(huggingFace: object)
        let a = RotaryEmbedding(headDim: 16, rope: fromConfig.rope)
        let b = RotaryEmbedding(headDim: 16, rope: RopeConfig(theta: 10_000, scaling: .frequencyDivisors(c.rope_freqs)))
        for (x, y) in zip(a.inverseFrequencies, b.inverseFrequencies) { #expect(abs(x - y) <= 1e-6 * y) }
    }

    @Test func divisorsThatAreNotLlama3AreAnErrorNamingTheTensor() throws {
        let bad: [Float] = [1, 3, 2, 7, 1, 5, 9, 2]
        do {
            _ = try GGUFLlamaTensors(try Self.gguf(freqs: bad))
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("rope_freqs.weight"), "\(error)")
        }
        #expect(try GGUFLlamaTensors(try Self.gguf(freqs: [Float](repeating: 1, count: 8))).config.ropeScaling == nil)
    }

    @Test func slidingWindowMakesAMistralConfig() throws {
        let tensors = try GGUFLlamaTensors(try Self.gguf(freqs: nil, slidingWindow: 4096))
        let config = ModelConfig(llama: tensors.config, modelType: "llama")
        #expect(config.json["sliding_window"]?.int == 4096 && config.json["model_type"]?.string == "mistral")
        #expect(config.json["architectures"] == .array([.string("MistralForCausalLM")]))
        #expect(try DecoderConfig(tensors.config).slidingWindow == 4096)
        let plain = ModelConfig(llama: try GGUFLlamaTensors(try Self.gguf(freqs: nil)).config)
        #expect(plain.json["sliding_window"] == nil && plain.json["model_type"]?.string == "llama")
    }
}
