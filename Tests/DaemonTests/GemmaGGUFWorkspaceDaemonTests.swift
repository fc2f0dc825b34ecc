import ControlAPI
import Engine
import Foundation
import Testing

/// A real `transtokd` whose workspace's model is a Gemma 2 GGUF (the committed fixture
/// `Tests/EngineTests/Fixtures/gguf-families/gemma2.gguf`: attention and final-logit soft-capping 2 and 3, sliding
/// window 4 on alternate layers, head_dim 8 ≠ hidden/heads, tied head, Gemma's `1 + w` norms): the first published
/// checkpoint keeps the Gemma architecture in its `config.json`, its body is the GGUF's (norms back as w), and the
/// runtime loads it and gives finite logits, the same on a second load.
@Suite(.serialized)
struct GemmaGGUFWorkspaceDaemonTests {
    static let fixture = TinyModel.repository.appendingPathComponent(
        "Tests/EngineTests/Fixtures/gguf-families/gemma2.gguf"
    ).path

    @Test func aGemma2GGUFWorkspacePublishesACheckpointThatKeepsTheGemmaArchitecture() throws {
        let root = try makeTemporaryDirectory("gemmagguf")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stateDir = root + "/state"
        let files = try TinyWorkspaceFiles(root: root, pairs: 200, sourceModel: Self.fixture)
        let daemon = try DaemonProcess(
            label: "gemmagguf", extraArguments: ["--config", files.config, "--state-dir", stateDir])
        func checkpoints() throws -> [CheckpointStatus] {
            try daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0
        }
        try daemon.waitUntilReady()
        try files.drop("a.tsv", 0..<200)
        let deadline = Date().addingTimeInterval(90)
        while try checkpoints().isEmpty {
            guard Date() < deadline else {
                throw DaemonTestError("timed out waiting for the first checkpoint:\n\(daemon.log.suffix(3000))")
            }
            usleep(100_000)
        }
        let checkpoint = try #require(try checkpoints().first)
        #expect(checkpoint.number == 1 && checkpoint.pairs == 200)
        #expect(try daemon.terminate() == 0)

        // config.json: the Gemma 2 architecture as the GGUF's metadata gives it; the vocabulary is the target's.
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: files.targetTokenizer))
        let config = try JSONValue.parse(
            bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: checkpoint.path + "/config.json"))))
        #expect(config["model_type"]?.string == "gemma2")
        #expect(config["architectures"]?.array?.first?.string == "Gemma2ForCausalLM")
        #expect(config["attn_logit_softcapping"]?.double == 2)
        #expect(config["final_logit_softcapping"]?.double == 3)
        #expect(config["sliding_window"]?.int == 4)
        #expect(config["head_dim"]?.int == 8)
        #expect(config["query_pre_attn_scalar"]?.int == 8)
        #expect(config["vocab_size"]?.int == target.vocabularySize)

        // The body is the GGUF's: the final norm read back as w (stored as 1 + w), a projection unchanged.
        let gguf = try GGUFFile(path: Self.fixture)
        let weights = try TensorFiles.open(path: checkpoint.path)
        #expect(try weights.float32("model.norm.weight") == gguf.float32("output_norm.weight").map { $0 - 1 })
        #expect(
            try weights.float32("model.layers.1.self_attn.q_proj.weight") == gguf.float32("blk.1.attn_q.weight"))
        #expect(weights.info(CheckpointLayout.embeddingTensor)?.shape.first == target.vocabularySize)

        // The runtime reads it as Gemma 2; logits of target text are finite and the same on a second load.
        let ids = Array(target.encode("En el principio creó Dios los cielos y la tierra.").ids.prefix(12))
        #expect(ids.count > 4)
        func logits() throws -> [Float] {
            let model = try ModelLoader.load(path: checkpoint.path).model
            #expect(model.config.gemma && model.config.sandwichNorms)
            #expect(model.config.attentionSoftCap == 2 && model.config.finalLogitSoftCap == 3)
            #expect(model.config.slidingWindow == 4 && model.config.slidingLayers == [true, false, true])
            #expect(model.config.outputVocabularySize == target.vocabularySize)
            return try model.forward(ids, cache: model.makeCache(), logits: .all).values
        }
        let first = try logits()
        #expect(first.count == ids.count * target.vocabularySize)
        #expect(first.allSatisfy { $0.isFinite })
        #expect(first.allSatisfy { abs($0) <= 3 }, "final soft-cap 3")
        #expect(Set(first).count > 1)
        #expect(try logits() == first)
    }
}
