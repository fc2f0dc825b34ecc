import ControlAPI
import Engine
import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Issue #14 item 6: the retry of a checkpoint attempt that failed after writing the rows shard
/// (`model-transtok.safetensors`) hard-links the kept shard instead of writing it again; the published checkpoint is
/// byte-identical to one written in one go, and publishing removes what was kept.
@Suite struct KeptShardTests {
    func inode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
    }

    /// Every regular file under `directory`, by relative path, with its bytes.
    func files(in directory: String) throws -> [String: Data] {
        var found: [String: Data] = [:]
        for relative in try FileManager.default.subpathsOfDirectory(atPath: directory) {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            found[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        return found
    }

    @Test func aFailedAttemptsRowsShardIsLinkedIntoTheRetryAndRemovedAfterPublishing() throws {
        let root = try makeTemporaryDirectory("keptshard")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let modelDir = root + "/model"
        try TinyModel.write(to: modelDir, maxShardBytes: CheckpointLayoutDaemonTests.shardLimit)
        let model = try SourceModel(path: modelDir)
        let logger = Logger(label: "test")
        let base = try BaseWeights.open(
            model: model, sourcePath: modelDir, workspaceDirectory: root + "/workspace", dtype: .f32, logger: logger)
        let (rows, columns) = (model.embedding.rows, model.embedding.columns)
        func replacements(_ seed: Float) -> [String: (shape: [Int], values: [Float])] {
            var tables = [
                CheckpointLayout.embeddingTensor: (
                    [rows, columns], (0..<rows * columns).map { Float($0 % 97) * 0.01 + seed }
                )
            ]
            if model.head != nil {
                tables[CheckpointLayout.headTensor] = (
                    [rows, columns], (0..<rows * columns).map { Float($0 % 89) * 0.02 - seed }
                )
            }
            return tables
        }
        let tokenizer = HFTokenizerBundle(
            files: [(CheckpointLayout.tokenizer, Array("{}".utf8))], vocabularySize: rows, bosTokenID: 1,
            eosTokenID: 2, padTokenID: nil)
        let checkpoints = root + "/checkpoints/ws"
        try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        let shard = CheckpointLayout.singleFileName(baseName: CheckpointLayout.changedWeightsBaseName)
        var writer = HFModelDirectoryWriter(outputDType: .f32)
        writer.changedShardKeeper = KeptShards(checkpointDirectory: checkpoints, logger: logger)

        // Attempt 1 fails after the rows shard (a later file cannot be written, as on a full disk).
        #expect(throws: (any Error).self) {
            try writer.write(
                to: URL(fileURLWithPath: checkpoints + "/.000002.tmp-1"), config: model.config, tokenizer: tokenizer,
                source: base, replacements: replacements(0), extraFiles: [(CheckpointLayout.config + "/x", [1])])
        }
        // Nothing is left of it but the kept shard, under the digest of its content.
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints) == [KeptShards.directoryName])
        let keys = try FileManager.default.contentsOfDirectory(atPath: checkpoints + "/" + KeptShards.directoryName)
        #expect(keys.count == 1 && KeptShards.isKey(keys.first ?? ""), "\(keys)")
        let kept = checkpoints + "/" + KeptShards.directoryName + "/" + (keys.first ?? "") + "/" + shard
        let keptInode = try #require(try inode(kept))

        // Attempt 2 (same rows) links the kept shard: no tensor byte written.
        let retry = checkpoints + "/.000002.tmp-2"
        let report = try writer.write(
            to: URL(fileURLWithPath: retry), config: model.config, tokenizer: tokenizer, source: base,
            replacements: replacements(0))
        #expect(report.keptShardsReused == [shard])
        #expect(report.writtenTensorBytes == 0)
        #expect(try inode(retry + "/" + shard) == keptInode)

        // Byte-identical to the same checkpoint written without a keeper.
        let plain = root + "/plain"
        let plainReport = try HFModelDirectoryWriter(outputDType: .f32).write(
            to: URL(fileURLWithPath: plain), config: model.config, tokenizer: tokenizer, source: base,
            replacements: replacements(0))
        #expect(plainReport.writtenTensorBytes > 0)
        let (retried, written) = (try files(in: retry), try files(in: plain))
        #expect(Set(retried.keys) == Set(written.keys))
        for (name, bytes) in written { #expect(retried[name] == bytes, "\(name) differs") }

        // Other rows never reuse it: written anew, and the stale kept shard is replaced.
        let other = root + "/other"
        let otherReport = try writer.write(
            to: URL(fileURLWithPath: other), config: model.config, tokenizer: tokenizer, source: base,
            replacements: replacements(1))
        #expect(otherReport.keptShardsReused.isEmpty && otherReport.writtenTensorBytes > 0)
        let otherShard = try SafetensorsFile(path: other + "/" + shard)
        #expect(
            try otherShard.float32(CheckpointLayout.embeddingTensor)
                == replacements(1)[CheckpointLayout.embeddingTensor]?.values)
        #expect(!FileManager.default.fileExists(atPath: kept))

        // Publishing the retried directory removes what was kept.
        let store = try Store.inMemory(filesDirectory: root + "/state")
        let workspace = try store.createWorkspace(
            WorkspaceSpec(
                name: "ws", sourceLanguage: "en", targetLanguage: "es", sourceModel: modelDir,
                parallelDirectories: [root + "/incoming"]))
        let publisher = CheckpointPublisher(root: root + "/checkpoints", store: store, logger: logger)
        let record = try publisher.publish(
            temporary: retry, workspaceID: workspace.id, workspace: "ws", number: 2, parent: nil,
            sourceModel: modelDir, targetTokenizer: nil, pairs: 0, appliedSeq: 0, statistics: [:])
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints) == ["000002"])
        #expect(try inode(record.path + "/" + shard) == keptInode)
    }

    /// A real `transtokd`: a cycle fails at the publish, after its rows shard was written (a file squats on the next
    /// checkpoint's name); the retry links the kept shard (logged) and publishes, and nothing is left beside the
    /// numbered checkpoints.
    @Test func theDaemonsRetryLinksTheRowsShardOfTheFailedCycle() throws {
        let root = try makeTemporaryDirectory("keptshard-daemon")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stateDir = root + "/state"
        let files = try TinyWorkspaceFiles(root: root, pairs: 300)
        let config = files.config
        func drop(_ name: String, _ range: Range<Int>) throws { try files.drop(name, range) }
        let daemon = try DaemonProcess(
            label: "keptshard", extraArguments: ["--config", config, "--state-dir", stateDir, "--log-level", "debug"])
        func checkpoints() throws -> [CheckpointStatus] {
            try daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0
        }
        func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if try condition() { return }
                usleep(100_000)
            }
            throw DaemonTestError("timed out waiting for \(what):\n\(daemon.log.suffix(3000))")
        }
        try daemon.waitUntilReady()
        try drop("a.tsv", 0..<200)
        try waitFor("the first checkpoint") { try checkpoints().count == 1 }

        let squatter = stateDir + "/checkpoints/ws/000002"
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: squatter))
        try drop("b.tsv", 200..<300)
        try waitFor("a failed cycle") { daemon.log.contains("refresh failed") }
        let kept = try FileManager.default.contentsOfDirectory(
            atPath: stateDir + "/checkpoints/ws/" + KeptShards.directoryName)
        #expect(kept.count == 1, "\(kept)")

        try FileManager.default.removeItem(atPath: squatter)
        _ = try daemon.client.call(
            "POST", "/v1/refresh", body: RefreshRequest(workspace: "ws"), as: RefreshRequest.self)
        try waitFor("the checkpoint of the retry") { try checkpoints().first?.number == 2 }
        #expect(daemon.log.contains("reused the rows shard written by a failed attempt"), "\(daemon.log.suffix(3000))")
        // Retention removes checkpoint 1 (renamed aside, then deleted) just after checkpoint 2 is recorded: the
        // directory settles to the one checkpoint, with no kept shard left.
        var settled: [String] = []
        try? waitFor("the checkpoint directory to settle") {
            settled = try FileManager.default.contentsOfDirectory(atPath: stateDir + "/checkpoints/ws")
            return settled == ["000002"]
        }
        #expect(settled == ["000002"], "\(settled)")
        #expect(try daemon.terminate() == 0)
    }
}
