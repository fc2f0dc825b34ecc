import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: Llama GGUF names and q/k permutation")
struct ModelFilesLlamaTensorNamesTests {
    /// llama.cpp's `permute` (convert_hf_to_gguf.py): reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).
    static func llamaCppPermute(_ w: [Float], heads: Int, cols: Int) -> [Float] {
        let rows = w.count / cols, half = rows / heads / 2
        var out = [Float](repeating: 0, count: w.count)
        for h in 0..<heads {
            for j in 0..<half {
                for p in 0..<2 {
                    // output index (h, j, p) ← input index (h, p, j)
                    let dst = ((h * half + j) * 2 + p) * cols
                    let src = ((h * 2 + p) * half + j) * cols
                    for c in 0..<cols { out[dst + c] = w[src + c] }
                }
            }
        }
        return out
    }

    @Test(arguments: [(1, 4, 3), (2, 8, 5), (9, 64, 1), (3, 64, 2)])
    func unpermuteInvertsLlamaCppPermute(heads: Int, headDim: Int, cols: Int) throws {
        let w = (0..<(heads * headDim * cols)).map(Float.init)
        let permuted = Self.llamaCppPermute(w, heads: heads, cols: cols)
        #expect(permuted != w || headDim == 2)
        #expect(try LlamaTensorNames.unpermuteRows(permuted, heads: heads, rowLength: cols) == w)
        #expect(throws: ModelFileError.self) { try LlamaTensorNames.unpermuteRows([1, 2, 3], heads: 2, rowLength: 1) }
    }

    @Test func namesMapToHuggingFace() {
        #expect(LlamaTensorNames.huggingFaceName(gguf: "token_embd.weight") == "model.embed_tokens.weight")
        #expect(LlamaTensorNames.huggingFaceName(gguf: "output.weight") == "lm_head.weight")
        #expect(
            LlamaTensorNames.huggingFaceName(gguf: "blk.12.attn_k.weight") == "model.layers.12.self_attn.k_proj.weight")
        #expect(
            LlamaTensorNames.huggingFaceName(gguf: "blk.0.ffn_down.weight") == "model.layers.0.mlp.down_proj.weight")
        #expect(LlamaTensorNames.huggingFaceName(gguf: "blk.3.attn_q.bias") == "model.layers.3.self_attn.q_proj.bias")
        #expect(LlamaTensorNames.huggingFaceName(gguf: "rope_freqs.weight") == nil)
        #expect(LlamaTensorNames.huggingFaceName(gguf: "blk.01.attn_q.weight") == nil)
        #expect(LlamaTensorNames.huggingFaceName(gguf: "blk.-1.attn_q.weight") == nil)
        #expect(LlamaTensorNames.huggingFaceName(gguf: "blk.1.attn_q.weight.extra") == nil)
    }

    /// A synthetic Llama GGUF (hidden 8, 2 heads, 1 KV head, untied, with rope_freqs): HF names, shapes,
    /// un-permuted q/k, and the config.
    @Test func syntheticLlamaGGUF() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        for (k, v) in [
            ("embedding_length", 8), ("block_count", 1), ("feed_forward_length", 16), ("attention.head_count", 2),
            ("attention.head_count_kv", 1), ("context_length", 128),
        ] as [(String, UInt32)] {
            b.add("llama.\(k)", u32: v)
        }
        b.add("llama.rope.freq_base", type: 6, raw: GGUFBuilder.le(Float(500_000).bitPattern))
        let shapes: [(String, [UInt64])] = [
            ("token_embd.weight", [8, 6]), ("output.weight", [8, 6]), ("output_norm.weight", [8]),
            ("blk.0.attn_q.weight", [8, 8]), ("blk.0.attn_k.weight", [8, 4]), ("rope_freqs.weight", [2]),
        ]
        var offset: UInt64 = 0
        var data: [UInt8] = []
        var values: [String: [Float]] = [:]
        for (name, dims) in shapes {
            let n = Int(dims.reduce(1, *))
            // rope_freqs holds llama3 divisors, now read into the config: 1 and 8 are plateaus of a factor-8 scaling.
            let v = name == "rope_freqs.weight" ? [1, 8] : (0..<n).map { Float($0) + Float(data.count) }
            values[name] = v
            b.tensors.append(.init(name: name, dims: dims, type: 0, offset: offset))
            var bytes = v.flatMap { GGUFBuilder.le($0.bitPattern) }
            while bytes.count % 32 != 0 { bytes.append(0) }
            data += bytes
            offset += UInt64(bytes.count)
        }
        b.data = data
        let t = try GGUFLlamaTensors(try GGUFFile(path: try b.write()))
        #expect(
            t.config.headDim == 4 && !t.config.tieWordEmbeddings && t.config.ropeTheta == 500_000
                && t.config.vocabSize == 6)
        #expect(t.skippedTensors == ["rope_freqs.weight"])
        #expect(
            t.tensorNames == [
                "model.embed_tokens.weight", "lm_head.weight", "model.norm.weight",
                "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
            ])
        #expect(t.info("model.layers.0.self_attn.k_proj.weight")?.shape == [4, 8])
        let q = try #require(values["blk.0.attn_q.weight"]), k = try #require(values["blk.0.attn_k.weight"])
        #expect(Self.llamaCppPermute(try t.float32("model.layers.0.self_attn.q_proj.weight"), heads: 2, cols: 8) == q)
        #expect(Self.llamaCppPermute(try t.float32("model.layers.0.self_attn.k_proj.weight"), heads: 1, cols: 8) == k)
        #expect(try t.float32("lm_head.weight") == values["output.weight"])
        #expect(t.isPermuted("model.layers.0.self_attn.q_proj.weight") && !t.isPermuted("lm_head.weight"))
    }
}
