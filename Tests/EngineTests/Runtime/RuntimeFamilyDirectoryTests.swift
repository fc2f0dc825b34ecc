import Foundation
import Testing

@testable import Engine

/// The tiny family fixtures as Hugging Face directories (`config.json` exactly as transformers 5 writes it,
/// `model.safetensors` in F32): `ModelLoader` opens them and reproduces transformers' logits, so the
/// directory path (config reader on the saved form, tensor names, mapped weights) is covered, not only in-memory
/// weights.
@Suite("Runtime: family fixtures loaded from Hugging Face directories")
struct RuntimeFamilyDirectoryTests {
    static func writeDirectory(_ f: RuntimeFixtures.TinyModel, to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = try #require(f.savedConfig)
        try JSONSerialization.data(withJSONObject: config).write(
            to: dir.appendingPathComponent(CheckpointLayout.config))
        var writer = try SafetensorsWriter(outputDType: .f32)
        for (name, t) in f.weights.tensors.sorted(by: { $0.key < $1.key }) {
            try writer.add(name, shape: t.shape, .float32(t.values))
        }
        _ = try writer.write(to: dir)
    }

    @Test("logits within 1e-4 of transformers from the directory", arguments: RuntimeTinyFamiliesParityTests.names)
    func directory(name: String) throws {
        let f = try RuntimeTinyFamiliesParityTests.fixture(name)
        let dir = try TinyHFModel.temporaryDirectory("family-\(name)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeDirectory(f, to: dir)
        let loaded = try ModelLoader.load(path: dir.path)
        let model = loaded.model
        let logits = try model.forward(f.inputIDs, cache: model.makeCache(), logits: .all)
        for (r, expected) in f.logits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(logits.row(r), expected)
            #expect(diff < 1e-4, "\(name) position \(r): max |Δ| = \(diff)")
        }
    }
}
