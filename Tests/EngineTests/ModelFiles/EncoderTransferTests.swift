import Foundation
import Testing

@testable import Engine

/// Encoders transfer like decoders: the token-embedding table is remapped, every other tensor passes through
/// byte for byte, and `config.json` is the source's with the new vocabulary (MiniLM, a `BertModel`).
/// `scripts/reference/check_transfer_loads.py` loads such an output in `transformers` with the new tokenizer.
@Suite("ModelFiles: encoder transfer", .enabled(if: TestPaths.assetAvailable("minilm/model.safetensors")))
struct EncoderTransferTests {
    @Test func miniLMWordEmbeddingsAreRemappedAndEverythingElsePassesThrough() throws {
        let root = try TinyHFModel.temporaryDirectory("encoder")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = try SourceModel(path: TestPaths.asset("minilm"))
        #expect(source.config.architecture.modelType == "bert" && source.config.architecture.kind == .encoder)
        #expect(source.config.roles.embedding == "embeddings.word_embeddings.weight")
        #expect(source.head == nil && source.headBiases.isEmpty)

        let tgtPath = root.appendingPathComponent("tokenizer.json").path
        try Data(try TinyHFModel.tokenizerJSON("trained-sentencepiece-bpe").utf8).write(
            to: URL(fileURLWithPath: tgtPath))
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: tgtPath))
        let mapping = BaselineMappings.copyOverlap(source: source.tokenizer, target: target)
        let embedding = try EmbeddingRemapper().remap(source.embedding, mapping: mapping)
        let out = root.appendingPathComponent("out")
        try TransferOutput(dtype: source.outputDType(.auto))
            .write(
                to: out, source: source, embedding: embedding, head: nil, mapping: mapping,
                tokenizer: try HFTokenizerBundle(targetTokenizer: tgtPath, tokenizer: target))

        let written = try SafetensorsFile(path: out.appendingPathComponent(CheckpointLayout.weights).path)
        #expect(Set(written.tensorNames) == Set(source.tensors.tensorNames))
        let name = "embeddings.word_embeddings.weight"
        #expect(written.info(name)?.shape == [target.vocabularySize, 384])
        #expect(try written.float32(name) == embedding.values)
        for tensor in source.tensors.tensorNames where tensor != name {
            let a = try written.view(tensor), b = try source.tensors.view(tensor)
            #expect(a.info == b.info && Array(a.bytes) == Array(b.bytes), "\(tensor)")
        }
        let sourceConfig = try JSONValue.parse(
            String(contentsOfFile: TestPaths.asset("minilm/config.json"), encoding: .utf8))
        let config = try JSONValue.parse(String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8))
        #expect(config["vocab_size"]?.int == target.vocabularySize)
        #expect(config["pad_token_id"] == target.specialTokenIDs[.pad].map(JSONValue.int) ?? .null)
        for (key, value) in try #require(sourceConfig.object) where !["vocab_size", "pad_token_id"].contains(key) {
            #expect(config[key] == value, "\(key)")
        }
        #expect(
            !FileManager.default.fileExists(atPath: out.appendingPathComponent(CheckpointLayout.generationConfig).path))
        let summary = try ModelValidation.check(path: out.path)
        #expect(summary.kind == .encoder && summary.vocabularySize == target.vocabularySize)
    }
}
