import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: LlamaCheckpoint", .enabled(if: TestPaths.assetAvailable("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
struct ModelFilesLlamaCheckpointTests {
    /// The GGUF and the HF directory converted from it open to the same config and the same tensors.
    @Test func ggufAndConvertedDirectoryAgree() throws {
        let fromGGUF = try LlamaCheckpoint(path: TestPaths.asset("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
        #expect(fromGGUF.outputEmbeddingName == "model.embed_tokens.weight")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("transtok-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("m")
        var w = HFModelDirectoryWriter(outputDType: .f32)
        w.linkUnchangedShards = false
        try w.write(
            to: out, config: fromGGUF.config,
            tokenizer: HFTokenizerBundle(try GGUFTokenizerExport.export(try #require(fromGGUF.gguf))),
            source: fromGGUF.tensors)
        let fromDir = try LlamaCheckpoint(path: out.path)
        #expect(fromDir.config == fromGGUF.config)
        #expect(fromDir.gguf == nil)
        #expect(Set(fromDir.tensors.tensorNames) == Set(fromGGUF.tensors.tensorNames))
        for name in [
            "model.layers.5.self_attn.q_proj.weight", "model.layers.5.self_attn.k_proj.weight",
            "model.layers.5.mlp.down_proj.weight",
        ] {
            #expect(try fromDir.tensors.float32(name) == fromGGUF.tensors.float32(name), "\(name)")
        }
        // F32 output: the runtime can use the mapping directly.
        let view = try fromDir.tensors.view("model.layers.5.self_attn.q_proj.weight")
        #expect(try #require(view.typed(as: Float.self)).count == 576 * 576)
        #expect(throws: ModelFileError.self) { try LlamaCheckpoint(path: root.path) }
    }
}
