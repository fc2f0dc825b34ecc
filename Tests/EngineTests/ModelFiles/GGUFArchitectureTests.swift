import Foundation
import Testing

@testable import Engine

/// GGUF architectures with a Hugging Face mapping: `llama` (q/k rows permuted by llama.cpp's converter, undone on
/// read) and `qwen2` (same tensor names, q/k/v biases, no permutation); the HF config names the right architecture.
@Suite("ModelFiles: GGUF architectures")
struct GGUFArchitectureTests {
    /// hidden 8, 2 heads of 4, one layer, vocab 4, tied; F32 tensors holding 0, 1, 2, … in storage order.
    func gguf(architecture: String) throws -> GGUFFile {
        var b = GGUFBuilder()
        b.add("general.architecture", string: architecture)
        for (key, value) in [
            ("embedding_length", 8), ("attention.head_count", 2), ("attention.head_count_kv", 2),
            ("feed_forward_length", 16), ("block_count", 1), ("context_length", 64),
        ] {
            b.add("\(architecture).\(key)", u32: UInt32(value))
        }
        b.tensors = [
            .init(name: "token_embd.weight", dims: [8, 4], type: 0, offset: 0),
            .init(name: "output_norm.weight", dims: [8], type: 0, offset: 128),
            .init(name: "blk.0.attn_q.weight", dims: [8, 8], type: 0, offset: 160),
            .init(name: "blk.0.attn_q.bias", dims: [8], type: 0, offset: 416),
        ]
        b.data = (0..<112).flatMap { GGUFBuilder.le(Float(Double($0)).bitPattern) }
        return try GGUFFile(path: try b.write("\(architecture).gguf"))
    }

    @Test func qwen2IsReadWithoutUnpermutingAndLlamaIsUnpermuted() throws {
        let stored = (40..<104).map(Float.init) // q rows as stored (offset 160 = float 40)
        let qwen = try GGUFLlamaTensors(try gguf(architecture: "qwen2"))
        #expect(!qwen.isPermuted("model.layers.0.self_attn.q_proj.weight"))
        #expect(try qwen.float32("model.layers.0.self_attn.q_proj.weight") == stored)
        #expect(try qwen.float32("model.layers.0.self_attn.q_proj.bias") == (104..<112).map(Float.init))
        #expect(qwen.config.attentionBias)
        let llama = try GGUFLlamaTensors(try gguf(architecture: "llama"))
        #expect(llama.isPermuted("model.layers.0.self_attn.q_proj.weight"))
        #expect(
            try llama.float32("model.layers.0.self_attn.q_proj.weight")
                == LlamaTensorNames.unpermuteRows(stored, heads: 2, rowLength: 8))
        #expect(try llama.float32("model.layers.0.self_attn.q_proj.weight") != stored)
    }

    @Test func hfConfigNamesTheArchitecture() throws {
        let qwen = try GGUFLlamaTensors(try gguf(architecture: "qwen2"))
        let config = ModelConfig(llama: qwen.config, modelType: "qwen2")
        #expect(config.json["model_type"]?.string == "qwen2")
        #expect(config.json["architectures"] == .array([.string("Qwen2ForCausalLM")]))
        #expect(config.tieWordEmbeddings && config.roles.head == nil)
        let llama = ModelConfig(llama: try GGUFLlamaTensors(try gguf(architecture: "llama")).config)
        #expect(llama.json["model_type"]?.string == "llama")
        #expect(llama.json["architectures"] == .array([.string("LlamaForCausalLM")]))
    }
}
