import Foundation
import Testing

@testable import Engine

/// A Hydra checkpoint written as a Hugging Face directory (config.json + safetensors) loads through
/// `ModelLoader` with its F32 tensors borrowed from the mapping, and computes what the in-memory model computes.
@Suite("Runtime: Hugging Face directory loading")
struct RuntimeModelDirectoryTests {
    @Test("Hydra directory: config keys, zero-copy F32 weights, same logits as in memory; sharded too")
    func hydraDirectory() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        let (inMemory, _) = try RuntimeHydraTests.hydra(from: base)
        let weights = try #require(try RuntimeHydraTests.hydraWeights(from: base))
        for maxShard in [5_000_000_000, 4096] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "transtok-hydra-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            var writer = try SafetensorsWriter(outputDType: .f32, maxShardBytes: maxShard)
            for (name, t) in weights.tensors.sorted(by: { $0.key < $1.key }) {
                try writer.add(name, shape: t.shape, .float32(t.values))
            }
            let files = try writer.write(to: dir)
            #expect(maxShard > 10_000 ? files == ["model.safetensors"] : files.count > 2)
            let json = try JSONSerialization.data(withJSONObject: try RuntimeHydraTests.hydraConfigJSON(from: base))
            try json.write(to: dir.appendingPathComponent("config.json"))

            let loaded = try ModelLoader.load(path: dir.path)
            #expect(loaded.model.config == inMemory.config)
            #expect(loaded.tokenizer == nil && loaded.sourceTokenizer == nil)
            #expect(loaded.model.weights.embedding.isBorrowed && loaded.model.weights.layers[0].q.isBorrowed)
            let ids = try HydraTranslator(model: loaded.model).inputIDs(source: base.inputIDs)
            let a = try loaded.model.forward(ids, cache: loaded.model.makeCache(), logits: .all)
            let b = try inMemory.forward(ids, cache: inMemory.makeCache(), logits: .all)
            #expect(a.values == b.values)
        }
    }

    @Test("a directory without weights or config is reported")
    func missingFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("transtok-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: RuntimeError.invalidConfig("\(dir.path) has no config.json")) {
            try ModelLoader.load(path: dir.path)
        }
        let base = try #require(try RuntimeFixtures.tinyModels().first)
        try JSONSerialization.data(withJSONObject: try RuntimeHydraTests.hydraConfigJSON(from: base))
            .write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: RuntimeError.self) { try ModelLoader.load(path: dir.path) }
    }
}
