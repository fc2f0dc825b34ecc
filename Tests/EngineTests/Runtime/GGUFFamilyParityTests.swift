import Foundation
import Testing

@testable import Engine

/// GGUF files of the `gemma`, `gemma2`, `gemma3` and `phi3` architectures written as llama.cpp's converter writes
/// them (Gemma norms stored as 1 + w, Phi-3's fused qkv/gate_up and LongRoPE factor tensors, soft-cap and window
/// metadata), from tiny random models whose logits transformers computed on the HF original
/// (`scripts/reference/make_gguf_family_fixtures.py` → `Fixtures/gguf-families/`).
@Suite("GGUF Gemma 1/2/3 and Phi-3: runtime and HF conversion held to transformers on the HF original")
struct GGUFFamilyParityTests {
    struct Family {
        let name: String
        let path: String
        let hfConfig: [String: Any]
        let inputIDs: [Int]
        let logits: [[Float]]
        let shortLogits: [[Float]]
        let greedy: [Int]
    }

    static let names = ["gemma", "gemma2", "gemma3", "phi3"]

    static func family(_ name: String) throws -> Family {
        let url = URL(fileURLWithPath: TestPaths.fixture("gguf-families/reference.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let families = try #require(root["families"] as? [[String: Any]])
        let f = try #require(families.first { $0["name"] as? String == name })
        func floats(_ key: String) throws -> [[Float]] {
            try #require(f[key] as? [[Double]]).map { $0.map { Float($0) } }
        }
        return Family(
            name: name, path: TestPaths.fixture("gguf-families/\(try #require(f["gguf"] as? String))"),
            hfConfig: try #require(f["config"] as? [String: Any]), inputIDs: try #require(f["input_ids"] as? [Int]),
            logits: try floats("logits"), shortLogits: try floats("short_logits"),
            greedy: try #require(f["greedy"] as? [Int]))
    }

    static func checkLogits(_ model: LlamaModel, _ f: Family, _ what: String) throws {
        let logits = try model.forward(f.inputIDs, cache: model.makeCache(), logits: .all)
        for (r, expected) in f.logits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(logits.row(r), expected)
            #expect(diff < 1e-4, "\(f.name) \(what) position \(r): max |Δ| = \(diff)")
        }
        let short = try model.forward(Array(f.inputIDs[..<f.shortLogits.count]), cache: model.makeCache(), logits: .all)
        for (r, expected) in f.shortLogits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(short.row(r), expected)
            #expect(diff < 1e-4, "\(f.name) \(what) short prefix position \(r): max |Δ| = \(diff)")
        }
        let result = try Generator(model: model).generate(
            prompt: f.inputIDs, options: GenerationOptions(maxTokens: f.greedy.count, ignoreModelEOS: true))
        #expect(result.tokens == f.greedy, "\(f.name) \(what) greedy")
    }

    @Test(
        "the runtime reads the GGUF: config as the HF original's, logits within 1e-4, greedy identical",
        arguments: names)
    func runtime(name: String) throws {
        let f = try Self.family(name)
        let loaded = try ModelLoader.loadGGUF(f.path)
        var expected = try DecoderConfig(huggingFace: f.hfConfig)
        expected.eosTokenIDs = loaded.model.config.eosTokenIDs
        #expect(loaded.model.config == expected, "\(name): \(loaded.model.config) ≠ \(expected)")
        #expect(loaded.tokenizer != nil)
        try Self.checkLogits(loaded.model, f, "GGUF")
    }

    @Test(
        "transfer's source check and convert's HF directory: the HF tensors back, logits within 1e-4", arguments: names)
    func huggingFaceDirectory(name: String) throws {
        let f = try Self.family(name)
        let summary = try ModelValidation.check(path: f.path)
        let modelType = try #require(f.hfConfig["model_type"] as? String)
        #expect(summary.architecture == modelType)
        #expect(summary.tieWordEmbeddings == (name != "phi3"))
        let gguf = try GGUFFile(path: f.path)
        let tensors = try GGUFLlamaTensors(gguf)
        // Gemma norms are stored as 1 + w and read back as w; nothing else is changed.
        let norm = try tensors.float32("model.norm.weight")
        let stored = try gguf.float32("output_norm.weight")
        #expect(zip(norm, stored).allSatisfy { $0 == $1 - (name.hasPrefix("gemma") ? 1 : 0) })
        #expect(tensors.isTransformed("model.norm.weight") == name.hasPrefix("gemma"))
        if name == "phi3" {
            #expect(tensors.info("model.layers.0.self_attn.qkv_proj.weight")?.shape == [32, 16])
            #expect(tensors.info("model.layers.0.mlp.gate_up_proj.weight")?.shape == [48, 16])
            #expect(tensors.skippedTensors.sorted() == ["rope_factors_long.weight", "rope_factors_short.weight"])
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-family-\(name)-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var writer = HFModelDirectoryWriter(outputDType: .f32)
        writer.linkUnchangedShards = false
        try writer.write(
            to: dir, config: try tensors.modelConfig(),
            tokenizer: HFTokenizerBundle(try GGUFTokenizerExport.export(gguf)), source: tensors)
        let config = try JSONValue.parse(
            bytes: [UInt8](try Data(contentsOf: dir.appendingPathComponent(CheckpointLayout.config))))
        #expect(config["model_type"]?.string == modelType)
        let written = try TensorFiles.open(path: dir.path)
        #expect(try written.float32("model.norm.weight") == norm)
        let loaded = try ModelLoader.loadDirectory(dir.path)
        try Self.checkLogits(loaded.model, f, "HF directory")
    }

    @Test("a GGUF architecture transtok does not read is refused by name")
    func unknownArchitectureRefused() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "falcon")
        b.tensors = [.init(name: "token_embd.weight", dims: [8, 4], type: 0, offset: 0)]
        b.data = (0..<32).flatMap { GGUFBuilder.le(Float($0).bitPattern) }
        let path = try b.write("falcon.gguf")
        #expect {
            try ModelValidation.check(path: path)
        } throws: { error in
            "\(error)".contains("falcon") && "\(error)".contains("gemma3")
        }
    }
}
