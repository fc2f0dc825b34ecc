import Foundation
import Testing

@testable import Engine

/// Bad input is refused by `ModelValidation` (and so by `SourceModel`, hence `transtok transfer` and workspace
/// creation) with an error naming the file and the tensor, before anything is written.
@Suite("ModelFiles: model validation")
struct ModelValidationTests {
    func source(maxShardBytes: Int = 6_000, modelType: String = "llama") throws -> (root: URL, dir: URL) {
        let root = try TinyHFModel.temporaryDirectory("validation")
        let dir = root.appendingPathComponent("model")
        try TinyHFModel.write(to: dir, maxShardBytes: maxShardBytes, modelType: modelType)
        return (root, dir)
    }

    func expectRefused(_ path: String, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ModelValidation.check(path: path)
            Issue.record("accepted; expected an error with \(fragments)", sourceLocation: sourceLocation)
        } catch {
            for f in fragments { #expect("\(error)".contains(f), "\(error)", sourceLocation: sourceLocation) }
        }
        // SourceModel (transfer, the daemon) refuses it the same way.
        #expect(throws: (any Error).self, sourceLocation: sourceLocation) { _ = try SourceModel(path: path) }
    }

    func editConfig(_ dir: URL, _ edit: (inout JSONValue) -> Void) throws {
        let url = dir.appendingPathComponent("config.json")
        var json = try JSONValue.parse(String(contentsOf: url, encoding: .utf8))
        edit(&json)
        try Data(json.serialized(indent: 2).utf8).write(to: url)
    }

    @Test func aWellFormedModelIsSummarised() throws {
        let (root, dir) = try source()
        defer { try? FileManager.default.removeItem(at: root) }
        let summary = try ModelValidation.check(path: dir.path)
        #expect(summary.architecture == "llama")
        #expect(summary.kind == .decoder)
        #expect(summary.roles == TensorRoles(embedding: "model.embed_tokens.weight", head: "lm_head.weight"))
        #expect(summary.hiddenSize == TinyHFModel.hidden)
        #expect(summary.autoDType == .f32)
    }

    @Test func unsupportedArchitectureIsRefusedByName() throws {
        let (root, dir) = try source()
        defer { try? FileManager.default.removeItem(at: root) }
        try editConfig(dir) { $0.set("model_type", .string("gpt_neox")) }
        expectRefused(dir.path, ["gpt_neox", "not supported", "config.json"])
    }

    @Test func truncatedShardIsNamedWithItsTensor() throws {
        let (root, dir) = try source()
        defer { try? FileManager.default.removeItem(at: root) }
        let index = try ShardedSafetensors(indexPath: dir.appendingPathComponent(CheckpointLayout.weightIndex).path)
        let file = try #require(index.weightMap["model.layers.1.mlp.down_proj.weight"])
        let url = dir.appendingPathComponent(file)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(size - 10))
        try handle.close()
        let last = try #require(index.shards[file]?.tensorNames.last)
        expectRefused(dir.path, [file, "truncated", "'\(last)'"])
    }

    @Test func missingIndexEntryIsNamed() throws {
        let (root, dir) = try source()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = dir.appendingPathComponent(CheckpointLayout.weightIndex)
        var json = try JSONValue.parse(String(contentsOf: url, encoding: .utf8))
        var map = try #require(json["weight_map"])
        map.set("model.layers.0.self_attn.k_proj.weight", nil)
        json.set("weight_map", map)
        try Data(json.serialized().utf8).write(to: url)
        expectRefused(
            dir.path, [CheckpointLayout.weightIndex, "'model.layers.0.self_attn.k_proj.weight'", "no weight_map entry"])
    }

    @Test func tensorShapeDisagreeingWithConfigIsNamed() throws {
        let (root, dir) = try source()
        defer { try? FileManager.default.removeItem(at: root) }
        try editConfig(dir) { $0.set("intermediate_size", .int(48)) }
        expectRefused(dir.path, ["'model.layers.0.mlp.gate_proj.weight'", "[32, 16]", "[48, 16]"])
        try editConfig(dir) {
            $0.set("intermediate_size", .int(32))
            $0.set("vocab_size", .int(($0["vocab_size"]?.int ?? 0) + 1))
        }
        expectRefused(dir.path, ["'model.embed_tokens.weight'", "config.json"])
        try editConfig(dir) {
            $0.set("vocab_size", .int(($0["vocab_size"]?.int ?? 0) - 1))
            $0.set("num_hidden_layers", .int(3))
        }
        expectRefused(dir.path, ["'model.layers.2.input_layernorm.weight'", "missing"])
    }

    @Test func ggufWithAnUnknownQuantisationNamesFileAndTensor() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        // Q3_K (Q5_K, which this test used first, is readable now).
        b.tensors = [.init(name: "blk.0.ffn_up.weight", dims: [256, 1], type: 11, offset: 0)]
        b.data = [UInt8](repeating: 0, count: 256)
        let path = try b.write("model.gguf")
        expectRefused(path, [path, "'blk.0.ffn_up.weight'", "Q3_K"])
    }

    @Test func ggufOfAnUnsupportedArchitectureIsRefusedByName() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "rwkv6")
        b.tensors = [.init(name: "w", dims: [4], type: 0, offset: 0)]
        b.data = [UInt8](repeating: 0, count: 32)
        let path = try b.write("model.gguf")
        expectRefused(path, [path, "rwkv6", "not supported"])
    }
}
