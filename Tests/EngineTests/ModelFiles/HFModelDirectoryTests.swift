import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: HF model directory writer")
struct ModelFilesHFModelDirectoryTests {
    static let hidden = 8

    func tempDir() throws -> URL {
        try TestScratch.directory("hf")
    }

    func config(tied: Bool, vocab: Int = 10) throws -> LlamaConfig {
        try LlamaConfig(
            hiddenSize: Self.hidden, intermediateSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
            numKeyValueHeads: 1, vocabSize: vocab, maxPositionEmbeddings: 64, ropeTheta: 10_000,
            rmsNormEps: 1e-6, tieWordEmbeddings: tied, bosTokenID: 100, eosTokenID: 101, padTokenID: nil)
    }

    func tokenizer(vocab: Int) -> HFTokenizerBundle {
        HFTokenizerBundle(
            files: [("tokenizer.json", Array("{}".utf8))], vocabularySize: vocab, bosTokenID: 3, eosTokenID: 4,
            padTokenID: 5)
    }

    func values(_ n: Int, _ seed: Float) -> [Float] { (0..<n).map { Float($0) * 0.25 + seed } }

    /// A sharded F32 source checkpoint: shard 1 embed, shard 2 norm + layer tensor, shard 3 lm_head.
    func shardedSource(in dir: URL) throws -> ShardedSafetensors {
        var w = try SafetensorsWriter(outputDType: .f32, maxShardBytes: 10 * Self.hidden * 4)
        try w.add("model.embed_tokens.weight", shape: [10, Self.hidden], .float32(values(10 * Self.hidden, 1)))
        try w.add("model.norm.weight", shape: [Self.hidden], .float32(values(Self.hidden, 2)))
        try w.add("model.layers.0.mlp.up_proj.weight", shape: [4, Self.hidden], .float32(values(4 * Self.hidden, 3)))
        try w.add("lm_head.weight", shape: [10, Self.hidden], .float32(values(10 * Self.hidden, 4)))
        let files = try w.write(to: dir)
        #expect(files.count == 4)
        return try ShardedSafetensors(indexPath: dir.appendingPathComponent("model.safetensors.index.json").path)
    }

    func inode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
    }

    @Test func untiedRemapRewritesChangedShardsAndLinksTheRest() throws {
        let root = try tempDir()
        let srcDir = root.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: srcDir, withIntermediateDirectories: true)
        let source = try shardedSource(in: srcDir)
        let newEmb = values(12 * Self.hidden, -1), newHead = values(12 * Self.hidden, -2)
        let out = root.appendingPathComponent("out")
        let report = try HFModelDirectoryWriter(outputDType: .f32).write(
            to: out, config: try config(tied: false), tokenizer: tokenizer(vocab: 12), source: source,
            replacements: [
                "model.embed_tokens.weight": ([12, Self.hidden], newEmb),
                "lm_head.weight": ([12, Self.hidden], newHead),
            ])
        #expect(report.linkedShards == ["model-00002-of-00003.safetensors"])
        let linkedSource = srcDir.appendingPathComponent("model-00002-of-00003.safetensors").path
        #expect(
            try inode(linkedSource) == (try inode(out.appendingPathComponent("model-00002-of-00003.safetensors").path)))

        let back = try ShardedSafetensors(indexPath: out.appendingPathComponent("model.safetensors.index.json").path)
        #expect(Set(back.tensorNames) == Set(source.tensorNames))
        #expect(try back.float32("model.embed_tokens.weight") == newEmb)
        #expect(try back.float32("lm_head.weight") == newHead)
        #expect(try back.float32("model.norm.weight") == (try source.float32("model.norm.weight")))
        #expect(
            try back.float32("model.layers.0.mlp.up_proj.weight")
                == (try source.float32("model.layers.0.mlp.up_proj.weight")))

        let cfg = try LlamaConfig(contentsOf: out.appendingPathComponent("config.json"))
        #expect(cfg.vocabSize == 12)
        #expect(cfg.bosTokenID == 3 && cfg.eosTokenID == 4 && cfg.padTokenID == 5) // not the stale 100/101
        #expect(!cfg.tieWordEmbeddings)
        let gen = try JSONValue.parse(
            bytes: [UInt8](Data(contentsOf: out.appendingPathComponent("generation_config.json"))))
        #expect(gen["bos_token_id"] == .int(3) && gen["eos_token_id"] == .int(4) && gen["pad_token_id"] == .int(5))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("tokenizer.json").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["out", "src"])
    }

    @Test func tiedModelWritesOnlyTheEmbeddingAndReplacesAnExistingDirectory() throws {
        let root = try tempDir()
        let srcDir = root.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: srcDir, withIntermediateDirectories: true)
        let source = try shardedSource(in: srcDir)
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: out.appendingPathComponent("stale.txt"))
        var writer = HFModelDirectoryWriter(outputDType: .bf16)
        writer.linkUnchangedShards = true // bf16 output: F32 shards cannot be linked
        let report = try writer.write(
            to: out, config: try config(tied: true), tokenizer: tokenizer(vocab: 10), source: source)
        #expect(report.linkedShards.isEmpty)
        let back = try SafetensorsFile(path: out.appendingPathComponent("model.safetensors").path)
        #expect(back.info("lm_head.weight") == nil)
        #expect(back.info("model.embed_tokens.weight")?.dtype == .bf16)
        // Quarter steps are exact in bf16.
        #expect(try back.float32("model.norm.weight") == (try source.float32("model.norm.weight")))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("stale.txt").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["out", "src"])
        let json = try JSONValue.parse(bytes: [UInt8](Data(contentsOf: out.appendingPathComponent("config.json"))))
        #expect(json["torch_dtype"] == .string("bfloat16"))
        #expect(json["tie_word_embeddings"] == .bool(true))
    }

    @Test func refusesInconsistentInputsAndLeavesNothingBehind() throws {
        let root = try tempDir()
        let srcDir = root.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: srcDir, withIntermediateDirectories: true)
        let source = try shardedSource(in: srcDir)
        let out = root.appendingPathComponent("out")
        let w = HFModelDirectoryWriter()
        #expect(throws: ModelFileError.self) { // tokenizer larger than the embedding
            try w.write(to: out, config: try config(tied: true), tokenizer: tokenizer(vocab: 11), source: source)
        }
        #expect(throws: ModelFileError.self) { // untied, lm_head not resized with the embedding
            try w.write(
                to: out, config: try config(tied: false), tokenizer: tokenizer(vocab: 12), source: source,
                replacements: ["model.embed_tokens.weight": ([12, Self.hidden], values(12 * Self.hidden, 0))])
        }
        #expect(throws: ModelFileError.self) { // replacement with the wrong element count
            try w.write(
                to: out, config: try config(tied: true), tokenizer: tokenizer(vocab: 10), source: source,
                replacements: ["model.embed_tokens.weight": ([10, Self.hidden], [1, 2, 3])])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["src"])
    }

    /// The SmolLM2 GGUF as an HF directory (BF16, sharded): every tensor equals the HF view rounded once.
    @Test(.enabled(if: TestPaths.assetAvailable("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
    func smolLM2Conversion() throws {
        let g = try GGUFFile(path: TestPaths.asset("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
        let hf = try GGUFLlamaTensors(g)
        let root = try tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smollm2")
        var writer = HFModelDirectoryWriter(outputDType: .bf16, maxShardBytes: 120_000_000)
        writer.linkUnchangedShards = false
        try writer.write(
            to: out, config: hf.config, tokenizer: HFTokenizerBundle(try GGUFTokenizerExport.export(g)), source: hf)
        let back = try TensorFiles.open(path: out.path)
        #expect(back is ShardedSafetensors)
        #expect(Set(back.tensorNames) == Set(hf.tensorNames))
        for name in [
            "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
            "model.layers.29.self_attn.k_proj.weight", "model.norm.weight",
        ] {
            let expected = try hf.float32(name).map { HalfFloat.bf16ToFloat(HalfFloat.floatToBF16($0)) }
            #expect(try back.float32(name) == expected, "\(name)")
            #expect(back.info(name)?.shape == hf.info(name)?.shape)
        }
        let cfg = try LlamaConfig(contentsOf: out.appendingPathComponent("config.json"))
        var expectedConfig = hf.config
        expectedConfig.vocabSize = 49152
        #expect(cfg == expectedConfig)
    }
}
