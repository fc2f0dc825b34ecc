import ControlAPI
import Engine
import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Daemon checkpoints as `CheckpointLayout` names them, read by the runtime (`ModelLoader`) and by `transtok mapping
/// show` (`CheckpointMapping`); the body stored once per workspace (`BaseWeights`) and never rewritten per checkpoint.
@Suite(.serialized)
struct CheckpointLayoutDaemonTests {
    /// Shards of the tiny model: [embedding + first body tensors] (mixed), [rest of the body], [lm_head].
    static func shardLimit(_ vocabulary: Int) -> Int { vocabulary * 16 * 4 + 3_000 }

    func inode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
    }

    @Test func shardedBaseIsBuiltOnceSplitsMixedShardsLinksTheRestAndIsNeverRewritten() throws {
        let root = try makeTemporaryDirectory("baseweights")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let modelDir = root + "/model"
        try TinyModel.write(to: modelDir, maxShardBytes: Self.shardLimit)
        let source = try ShardedSafetensors(indexPath: modelDir + "/" + CheckpointLayout.weightIndex)
        #expect(source.shards.count == 3)
        let mixed = try #require(source.weightMap[CheckpointLayout.embeddingTensor])
        let headShard = try #require(source.weightMap[CheckpointLayout.headTensor])
        let pure = try #require(source.shards.keys.first { $0 != mixed && $0 != headShard })

        let model = try SourceModel(path: modelDir)
        let logger = Logger(label: "test")
        let workspace = root + "/workspace"
        let base = try BaseWeights.open(
            model: model, sourcePath: modelDir, workspaceDirectory: workspace, dtype: .f32, logger: logger)
        let refreshed: Set<String> = [CheckpointLayout.embeddingTensor, CheckpointLayout.headTensor]
        #expect(Set(base.tensorNames) == Set(source.tensorNames).subtracting(refreshed))
        let sharded = try #require(base as? ShardedSafetensors)
        let baseDir = (sharded.indexPath as NSString).deletingLastPathComponent
        // The pure body shard is the source's own file (hard link); the mixed one was split into model-base*.
        #expect(try inode(baseDir + "/" + pure) == inode(modelDir + "/" + pure))
        #expect(sharded.shards[mixed] == nil && sharded.shards[headShard] == nil)
        let split = try #require(sharded.weightMap["model.layers.0.self_attn.q_proj.weight"])
        #expect(split.hasPrefix(CheckpointLayout.baseWeightsBaseName))
        for name in base.tensorNames { #expect(try base.float32(name) == source.float32(name), "\(name)") }

        // Opening again reuses the base (same files); a base that fails to open is reported, not rebuilt.
        let splitInode = try inode(baseDir + "/" + split)
        _ = try BaseWeights.open(
            model: model, sourcePath: modelDir, workspaceDirectory: workspace, dtype: .f32, logger: logger)
        #expect(try inode(baseDir + "/" + split) == splitInode)
        try FileManager.default.removeItem(atPath: sharded.indexPath)
        #expect(throws: (any Error).self) {
            _ = try BaseWeights.open(
                model: model, sourcePath: modelDir, workspaceDirectory: workspace, dtype: .f32, logger: logger)
        }
        #expect(try inode(baseDir + "/" + split) == splitInode)

        // Another dtype is another base (converted once); the old one is removed.
        let bf16 = try BaseWeights.open(
            model: model, sourcePath: modelDir, workspaceDirectory: workspace, dtype: .bf16, logger: logger)
        #expect(bf16.info("model.layers.0.mlp.up_proj.weight")?.dtype == .bf16)
        #expect(!FileManager.default.fileExists(atPath: baseDir))
    }

    @Test func daemonCheckpointsAreReadByTheRuntimeAndMappingShowAndShareTheBody() throws {
        let root = try makeTemporaryDirectory("layoutdaemon")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/incoming", stateDir = root + "/state", modelDir = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TinyModel.write(to: modelDir, maxShardBytes: Self.shardLimit)
        let targetTokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        let config = root + "/config.json"
        try """
        {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1, "blas_threads": 1,
         "workspaces": [{"name": "layout", "source_language": "en", "target_language": "es",
           "source_model": "\(modelDir)", "target_tokenizer": "\(targetTokenizer)", "parallel_dirs": ["\(folder)"]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let corpus = try RefreshCrashLoopTests.bibleCorpus(count: 120)
        func drop(_ part: Int) throws {
            try
                (corpus[(part * 60)..<((part + 1) * 60)].map { "\($0.source)\t\($0.target)" }.joined(separator: "\n")
                + "\n")
                .write(toFile: folder + "/part\(part).tsv", atomically: true, encoding: .utf8)
        }
        let daemon = try DaemonProcess(
            label: "layoutdaemon", extraArguments: ["--config", config, "--state-dir", stateDir])
        try daemon.waitUntilReady()
        func checkpoints() throws -> [CheckpointStatus] {
            try daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0
        }
        func waitFor(count: Int) throws {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if try checkpoints().count >= count { return }
                usleep(100_000)
            }
            throw DaemonTestError("timed out waiting for checkpoint \(count):\n\(daemon.log.suffix(3000))")
        }
        try drop(0)
        try waitFor(count: 1)
        try drop(1)
        try waitFor(count: 2)
        let paths = try checkpoints().map(\.path).sorted()
        #expect(try daemon.terminate() == 0)

        let source = try Tokenizer(contentsOf: URL(fileURLWithPath: modelDir + "/tokenizer.json"))
        var bodyInodes: [Set<Int>] = []
        for path in paths {
            let dir = URL(fileURLWithPath: path)
            let view = try CheckpointMapping(directory: dir)
            #expect(view.source.vocabularySize == source.vocabularySize)
            let loaded = try ModelLoader.load(path: path)
            #expect(loaded.sourceTokenizer?.vocabularySize == source.vocabularySize)
            #expect(!FileManager.default.fileExists(atPath: path + "/" + CheckpointLayout.legacySourceTokenizer))
            let weights = try ShardedSafetensors(indexPath: path + "/" + CheckpointLayout.weightIndex)
            // Only the refreshed tables are in the checkpoint's own shard; every body shard is a base file.
            let own = Set(
                [CheckpointLayout.embeddingTensor, CheckpointLayout.headTensor].compactMap { weights.weightMap[$0] })
            #expect(own.allSatisfy { $0.hasPrefix(CheckpointLayout.changedWeightsBaseName) })
            #expect(
                Set(own.flatMap { weights.shards[$0]?.tensorNames ?? [] })
                    == [CheckpointLayout.embeddingTensor, CheckpointLayout.headTensor])
            bodyInodes.append(
                Set(try weights.shards.keys.filter { !own.contains($0) }.compactMap { try inode(path + "/" + $0) }))
        }
        #expect(bodyInodes.count == 2 && bodyInodes[0] == bodyInodes[1] && !bodyInodes[0].isEmpty)
    }
}

/// The per-workspace `dtype` setting: validated in the config with the allowed values, stored with the workspace.
@Suite struct WorkspaceDTypeSettingTests {
    @Test func dtypeIsValidatedAndStored() throws {
        let root = try makeTemporaryDirectory("dtypestore")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/c.json"
        try """
        {"workspaces": [{"name": "w", "source_language": "en", "target_language": "es", "source_model": "/m",
          "parallel_dirs": ["/in"], "dtype": "f8"}]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file)
            Issue.record("dtype f8 accepted")
        } catch {
            #expect(
                "\(error)".contains("workspaces[0].dtype") && "\(error)".contains("auto, f32, f16, bf16"), "\(error)")
        }
        // The aliases of `transfer --dtype` are accepted in a config file too.
        try """
        {"workspaces": [{"name": "w", "source_language": "en", "target_language": "es", "source_model": "/m",
          "parallel_dirs": ["/in"], "dtype": "bfloat16"}]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let resolved = try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file).0
        #expect(resolved.workspaces.first?.outputDType == .bf16)

        var config = WorkspaceSpec(
            name: "w", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
            parallelDirectories: ["/in"], outputDType: .bf16)
        let store = try Store(directory: root)
        try store.upsertWorkspace(config)
        #expect(try store.workspaces().first?.spec.outputDType == .bf16)
        // A config file that names another dtype applies it; one that omits it keeps the saved one.
        config.outputDType = .f16
        try store.upsertWorkspace(config)
        #expect(try store.workspaces().first?.spec.outputDType == .f16)
        config.outputDType = nil
        try store.upsertWorkspace(config)
        #expect(try store.workspaces().first?.spec.outputDType == .f16)
    }

    /// `GET /v1/status` and the workspace replies report the dtype (`auto` when none was set).
    @Test func statusReportsTheDType() throws {
        let root = try makeTemporaryDirectory("dtypestatus")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Store(directory: root)
        var config = WorkspaceSpec(
            name: "w", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
            parallelDirectories: ["/in"], outputDType: .bf16)
        try store.upsertWorkspace(config)
        config.name = "v"
        config.outputDType = nil
        try store.upsertWorkspace(config)
        let status = try StatusProvider(store: store, stateDirectory: root, socket: "/s", startedAt: Date()).status()
        let dtypes = Dictionary(uniqueKeysWithValues: status.workspaces.map { ($0.name, $0.dtype) })
        #expect(dtypes == ["w": "bf16", "v": "auto"])
    }
}
