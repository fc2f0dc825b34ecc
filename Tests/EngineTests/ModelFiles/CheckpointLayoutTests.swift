import Foundation
import Testing

@testable import Engine

/// Every reader reads what every writer wrote: `transtok transfer`'s output (plain and Hydra) and a daemon-layout
/// checkpoint (built by the daemon's writer path: base weights + changed tables + `CheckpointLayout` files) are
/// opened by `ModelLoader` (the runtime) and by `CheckpointMapping` (`transtok mapping show`).
@Suite("ModelFiles: checkpoint layout")
struct CheckpointLayoutTests {
    struct Transferred {
        var root: URL
        var source: SourceModel
        var output: URL
        var targetVocabulary: Int
    }

    /// A transfer with the mean mapping from a tiny source (sharded when `maxShardBytes` is small).
    func transfer(
        hydra: Bool = false, maxShardBytes: Int = 5_000_000_000, reuse: HFModelDirectoryWriter.ShardReuse = .copy,
        modelType: String = "llama", extraConfig: [(String, JSONValue)] = [], dtype: TensorDType = .f32,
        hydraPrior: ((Int) -> HydraPrior)? = nil, hydraLexicon: HydraLexicon? = nil
    ) throws -> Transferred {
        let root = try TinyHFModel.temporaryDirectory("layout")
        let src = root.appendingPathComponent("source")
        try TinyHFModel.write(
            to: src, dtype: dtype, maxShardBytes: maxShardBytes, modelType: modelType, extraConfig: extraConfig)
        let tgtDir = root.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: tgtDir, withIntermediateDirectories: true)
        let tgtPath = tgtDir.appendingPathComponent("tokenizer.json").path
        try Data(try TinyHFModel.tokenizerJSON("trained-sentencepiece-bpe").utf8).write(
            to: URL(fileURLWithPath: tgtPath))
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: tgtPath))
        let source = try SourceModel(path: src.path)
        let mapping = BaselineMappings.copyOverlap(source: source.tokenizer, target: target)
        let remapper = EmbeddingRemapper()
        let embedding = try remapper.remap(source.embedding, mapping: mapping)
        let head = try source.head.map { (h) throws(TransferError) in try remapper.remap(h, mapping: mapping) }
        let out = root.appendingPathComponent("out")
        try TransferOutput(dtype: source.outputDType(.auto), shardReuse: reuse)
            .write(
                to: out, source: source, embedding: embedding, head: head, mapping: mapping,
                tokenizer: try HFTokenizerBundle(targetTokenizer: tgtPath, tokenizer: target), hydra: hydra,
                hydraPrior: hydraPrior?(target.vocabularySize), hydraLexicon: hydraLexicon)
        return Transferred(root: root, source: source, output: out, targetVocabulary: target.vocabularySize)
    }

    @Test func transferOutputIsReadByTheRuntimeAndByMappingShow() throws {
        let t = try transfer()
        defer { try? FileManager.default.removeItem(at: t.root) }
        for name in [
            CheckpointLayout.config, CheckpointLayout.tokenizer, CheckpointLayout.sourceTokenizer,
            CheckpointLayout.tokenMapping, CheckpointLayout.weights, CheckpointLayout.generationConfig,
        ] {
            #expect(FileManager.default.fileExists(atPath: t.output.appendingPathComponent(name).path), "\(name)")
        }
        let loaded = try ModelLoader.load(path: t.output.path)
        #expect(loaded.tokenizer?.vocabularySize == t.targetVocabulary)
        #expect(loaded.sourceTokenizer?.vocabularySize == t.source.tokenizer.vocabularySize)
        let view = try CheckpointMapping(directory: t.output)
        #expect(view.mapping.targetVocabularySize == t.targetVocabulary)
        #expect(view.source.vocabularySize == t.source.tokenizer.vocabularySize)
        #expect(view.targetID("#5") == 5)
    }

    @Test func hydraOutputIsReadByTheRuntimeAndByMappingShow() throws {
        let t = try transfer(hydra: true)
        defer { try? FileManager.default.removeItem(at: t.root) }
        let loaded = try ModelLoader.load(path: t.output.path)
        #expect(loaded.sourceTokenizer?.vocabularySize == t.source.tokenizer.vocabularySize)
        let view = try CheckpointMapping(directory: t.output)
        #expect(view.mapping.targetVocabularySize == t.targetVocabulary)
        let config = try JSONValue.parse(
            String(contentsOf: t.output.appendingPathComponent("config.json"), encoding: .utf8))
        #expect(config["input_vocab_size"]?.int == t.targetVocabulary + t.source.embedding.rows)
        #expect(config["vocab_size"]?.int == t.targetVocabulary)
        #expect(config["tie_word_embeddings"]?.bool == false)
    }

    /// A Hydra made from a non-Llama decoder keeps its model_type, so the runtime runs that family's blocks
    /// (on main it became `llama_hydra` and a Gemma body ran as Llama).
    @Test func hydraOfAGemmaSourceKeepsItsFamily() throws {
        let t = try transfer(
            hydra: true, modelType: "gemma", extraConfig: [("architectures", .array([.string("GemmaForCausalLM")]))])
        defer { try? FileManager.default.removeItem(at: t.root) }
        let config = try JSONValue.parse(
            String(contentsOf: t.output.appendingPathComponent("config.json"), encoding: .utf8))
        #expect(
            config["model_type"]?.string == "gemma" && config["architectures"] == .array([.string("GemmaForCausalLM")]))
        let loaded = try ModelLoader.load(path: t.output.path)
        #expect(loaded.model.config.gemma && loaded.model.config.isHydra)
        #expect(loaded.model.config.hydraSourceOffset == t.targetVocabulary)
    }

    /// The daemon's checkpoint writer path: `HFModelDirectoryWriter` over the base weights with the mapping and the
    /// source tokenizer as `CheckpointLayout` names them (before the layout, the daemon wrote `source_tokenizer.json`
    /// at the root, which `mapping show` did not find).
    @Test func daemonLayoutCheckpointIsReadByTheRuntimeAndByMappingShow() throws {
        let t = try transfer()
        defer { try? FileManager.default.removeItem(at: t.root) }
        let checkpoint = t.root.appendingPathComponent("checkpoint")
        let view = try CheckpointMapping(directory: t.output)
        let source = t.source
        let embedding = try EmbeddingRemapper().remap(source.embedding, mapping: view.mapping)
        let head = try EmbeddingRemapper().remap(try #require(source.head), mapping: view.mapping)
        try HFModelDirectoryWriter(outputDType: .f32).write(
            to: checkpoint, config: source.config,
            tokenizer: try HFTokenizerBundle(
                targetTokenizer: t.output.appendingPathComponent("tokenizer.json").path, tokenizer: view.target),
            source: source.tensors,
            replacements: [
                CheckpointLayout.embeddingTensor: ([embedding.rows, embedding.columns], embedding.values),
                CheckpointLayout.headTensor: ([head.rows, head.columns], head.values),
            ])
        try TokenMappingFile.write(
            view.mapping, to: CheckpointLayout.url(CheckpointLayout.tokenMapping, in: checkpoint))
        try CheckpointLayout.writeSourceTokenizer(json: source.tokenizerJSON, into: checkpoint)
        #expect(
            !FileManager.default.fileExists(
                atPath: checkpoint.appendingPathComponent(CheckpointLayout.legacySourceTokenizer).path))
        #expect(try CheckpointMapping(directory: checkpoint).source.vocabularySize == source.tokenizer.vocabularySize)
        #expect(
            try ModelLoader.load(path: checkpoint.path).sourceTokenizer?.vocabularySize
                == source.tokenizer.vocabularySize)

        // A checkpoint written before the layout existed (root `source_tokenizer.json`) is still read.
        let legacy = t.root.appendingPathComponent("legacy")
        try FileManager.default.copyItem(at: checkpoint, to: legacy)
        try FileManager.default.moveItem(
            at: legacy.appendingPathComponent(CheckpointLayout.sourceTokenizer),
            to: legacy.appendingPathComponent(CheckpointLayout.legacySourceTokenizer))
        #expect(try CheckpointMapping(directory: legacy).source.vocabularySize == source.tokenizer.vocabularySize)
        #expect(try ModelLoader.load(path: legacy.path).sourceTokenizer != nil)
    }

    @Test func mappingShowNamesTheMissingFile() throws {
        let t = try transfer()
        defer { try? FileManager.default.removeItem(at: t.root) }
        try FileManager.default.removeItem(at: t.output.appendingPathComponent(CheckpointLayout.sourceTokenizer))
        do {
            _ = try CheckpointMapping(directory: t.output)
            Issue.record("no error without a source tokenizer")
        } catch {
            #expect("\(error)".contains(CheckpointLayout.sourceTokenizer))
        }
    }
}
