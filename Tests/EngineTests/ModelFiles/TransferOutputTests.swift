import Entities
import Foundation
import Testing

@testable import Engine

/// What a transfer writes: only the changed tables are rewritten (unchanged source shards reused), the source
/// `config.json` passes through, the dtype defaults to the source's, and bad input is refused before any write.
@Suite("ModelFiles: transfer output")
struct TransferOutputTests {
    let layout = CheckpointLayoutTests()

    func inode(_ url: URL) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
    }

    @Test func shardedSourceReusesBodyShardsAndWritesOnlyTheChangedTables() throws {
        // ~6 KB shards: the embedding and the head each get their own, the body several.
        let t = try layout.transfer(maxShardBytes: 6_000, reuse: .link)
        defer { try? FileManager.default.removeItem(at: t.root) }
        let src = t.root.appendingPathComponent("source")
        let sourceShards = try ShardedSafetensors(
            indexPath: src.appendingPathComponent(CheckpointLayout.weightIndex).path)
        #expect(sourceShards.shards.count > 3)
        let out = try ShardedSafetensors(indexPath: t.output.appendingPathComponent(CheckpointLayout.weightIndex).path)
        #expect(Set(out.tensorNames) == Set(sourceShards.tensorNames))
        var changedFiles = Set<String>()
        for name in [CheckpointLayout.embeddingTensor, CheckpointLayout.headTensor] {
            let file = try #require(out.weightMap[name])
            #expect(file.hasPrefix(CheckpointLayout.changedWeightsBaseName), "\(name) in \(file)")
            changedFiles.insert(file)
        }
        // Everything outside model-transtok* is a source shard, hard-linked (same inode), holding only body tensors.
        for (file, _) in out.shards where !changedFiles.contains(file) {
            #expect(!file.hasPrefix(CheckpointLayout.changedWeightsBaseName))
            #expect(
                try inode(t.output.appendingPathComponent(file)) == inode(src.appendingPathComponent(file)), "\(file)")
        }
        for name in sourceShards.tensorNames
        where ![CheckpointLayout.embeddingTensor, CheckpointLayout.headTensor].contains(name) {
            #expect(try out.float32(name) == sourceShards.float32(name), "\(name)")
        }
        let changed = try SafetensorsFile(path: t.output.appendingPathComponent(try #require(changedFiles.first)).path)
        #expect(Set(changed.tensorNames).isSubset(of: [CheckpointLayout.embeddingTensor, CheckpointLayout.headTensor]))
        _ = try ModelLoader.load(path: t.output.path)
    }

    @Test func hydraOutputReusesBodyShardsToo() throws {
        let t = try layout.transfer(hydra: true, maxShardBytes: 6_000, reuse: .link)
        defer { try? FileManager.default.removeItem(at: t.root) }
        let src = t.root.appendingPathComponent("source")
        let out = try ShardedSafetensors(indexPath: t.output.appendingPathComponent(CheckpointLayout.weightIndex).path)
        let own = try #require(out.weightMap[CheckpointLayout.embeddingTensor])
        #expect(
            own.hasPrefix(CheckpointLayout.changedWeightsBaseName) && out.weightMap[CheckpointLayout.headTensor] == own)
        let reused = out.shards.keys.filter { !$0.hasPrefix(CheckpointLayout.changedWeightsBaseName) }
        #expect(reused.count >= 2)
        for file in reused {
            #expect(
                try inode(t.output.appendingPathComponent(file)) == inode(src.appendingPathComponent(file)), "\(file)")
        }
        #expect(
            out.info(CheckpointLayout.embeddingTensor)?.shape == [
                t.targetVocabulary + t.source.embedding.rows, TinyHFModel.hidden,
            ])
        _ = try ModelLoader.load(path: t.output.path)
    }

    @Test func hydraOutputCarriesThePriorAsTheHeadBiasAndTheLengthRatioInTheConfig() throws {
        let bias = { (v: Int) in (0..<v).map { -Float($0 % 5) } }
        let t = try layout.transfer(
            hydra: true, hydraPrior: { HydraPrior(headBias: bias($0), targetTokensPerSourceByte: 0.25) })
        defer { try? FileManager.default.removeItem(at: t.root) }
        let out = try SafetensorsFile(path: t.output.appendingPathComponent(CheckpointLayout.weights).path)
        #expect(try out.float32(CheckpointLayout.headBiasTensor) == bias(t.targetVocabulary))
        let loaded = try ModelLoader.load(path: t.output.path)
        #expect(loaded.model.config.hydraTargetTokensPerSourceByte == 0.25)
        // A bias of the wrong length is refused.
        #expect(throws: (any Error).self) {
            try layout.transfer(
                hydra: true, hydraPrior: { HydraPrior(headBias: bias($0 + 1), targetTokensPerSourceByte: 0.25) })
        }
    }

    @Test func hydraOutputCarriesTheLexiconThatTheLoaderReadsBack() throws {
        let lexicon = HydraLexicon(entries: [
            [5, 6]: [
                .init(target: [7], forward: -0.25, reverse: -1), .init(target: [8, 9], forward: -1.5, reverse: 0),
            ],
            [10]: [.init(target: [11], forward: 0, reverse: -0.5)],
        ])
        let t = try layout.transfer(hydra: true, hydraLexicon: lexicon)
        defer { try? FileManager.default.removeItem(at: t.root) }
        #expect(try ModelLoader.load(path: t.output.path).hydraLexicon == lexicon)
        // Without one, the directory has no file and the loader none.
        let plain = try layout.transfer(hydra: true)
        defer { try? FileManager.default.removeItem(at: plain.root) }
        #expect(
            !FileManager.default.fileExists(
                atPath: plain.output.appendingPathComponent(CheckpointLayout.hydraLexicon).path))
        #expect(try ModelLoader.load(path: plain.output.path).hydraLexicon == nil)
        // A malformed file fails the load with its path and line.
        let file = t.output.appendingPathComponent(CheckpointLayout.hydraLexicon)
        try Data("# header\n5 6\t7\t-0.25\t0\n5 x\t7\t-1\t0\n".utf8).write(to: file)
        do {
            _ = try ModelLoader.load(path: t.output.path)
            Issue.record("a malformed lexicon loaded")
        } catch {
            #expect(
                "\(error)"
                    == "\(file.path):3: source id 'x' is not a token id below \(t.source.tokenizer.vocabularySize)")
        }
    }

    @Test func copiedShardsShareNoInodeWithTheSource() throws {
        let t = try layout.transfer(maxShardBytes: 6_000, reuse: .copy)
        defer { try? FileManager.default.removeItem(at: t.root) }
        let src = t.root.appendingPathComponent("source")
        let out = try ShardedSafetensors(indexPath: t.output.appendingPathComponent(CheckpointLayout.weightIndex).path)
        let reused = out.shards.keys.filter { !$0.hasPrefix(CheckpointLayout.changedWeightsBaseName) }
        #expect(!reused.isEmpty)
        for file in reused {
            #expect(try inode(t.output.appendingPathComponent(file)) != inode(src.appendingPathComponent(file)))
            #expect(
                FileManager.default.contentsEqual(
                    atPath: t.output.appendingPathComponent(file).path, andPath: src.appendingPathComponent(file).path))
        }
    }

    @Test func sourceConfigPassesThroughWithOnlyVocabularyIdsTieAndDType() throws {
        let extra: [(String, JSONValue)] = [
            ("sliding_window", .int(4096)), ("architectures", .array([.string("MistralForCausalLM")])),
            ("custom_key", .string("kept")), ("bos_token_id", .int(99_999)),
        ]
        let t = try layout.transfer(modelType: "mistral", extraConfig: extra, dtype: .bf16)
        defer { try? FileManager.default.removeItem(at: t.root) }
        let source = try JSONValue.parse(
            String(contentsOf: t.root.appendingPathComponent("source/config.json"), encoding: .utf8))
        let output = try JSONValue.parse(
            String(contentsOf: t.output.appendingPathComponent("config.json"), encoding: .utf8))
        #expect(output["model_type"]?.string == "mistral")
        #expect(output["architectures"] == .array([.string("MistralForCausalLM")]))
        #expect(output["sliding_window"]?.int == 4096)
        #expect(output["custom_key"]?.string == "kept")
        #expect(output["vocab_size"]?.int == t.targetVocabulary)
        #expect(output["bos_token_id"]?.int != 99_999)
        #expect(output["torch_dtype"]?.string == "bfloat16")
        let changed: Set<String> = [
            "vocab_size", "bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype", "dtype", "tie_word_embeddings",
        ]
        for (key, value) in try #require(source.object) where !changed.contains(key) {
            #expect(output[key] == value, "\(key)")
        }
        // auto = the source's dtype: the BF16 source gives BF16 tensors.
        let weights = try SafetensorsFile(path: t.output.appendingPathComponent(CheckpointLayout.weights).path)
        #expect(weights.info(CheckpointLayout.embeddingTensor)?.dtype == .bf16)
        #expect(weights.info("model.layers.0.mlp.up_proj.weight")?.dtype == .bf16)
    }

    @Test func outputDTypeNamesAndAutoResolution() throws {
        #expect(OutputDType(name: "auto") == .auto)
        #expect(OutputDType(name: "BF16") == .bf16)
        #expect(OutputDType(name: "float16") == .f16)
        #expect(OutputDType(name: "f8") == nil)
        #expect(OutputDType(name: "") == nil)
        #expect(OutputDType.allowedNames == "auto, f32, f16, bf16")
        let root = try TinyHFModel.temporaryDirectory("dtype")
        defer { try? FileManager.default.removeItem(at: root) }
        for dtype in [TensorDType.f32, .f16, .bf16] {
            let dir = root.appendingPathComponent(dtype.rawValue)
            try TinyHFModel.write(to: dir, dtype: dtype)
            let model = try SourceModel(path: dir.path)
            #expect(model.outputDType(.auto) == dtype)
            #expect(model.outputDType(.f32) == .f32)
            #expect(try ModelValidation.check(path: dir.path).autoDType == dtype)
        }
    }
}
