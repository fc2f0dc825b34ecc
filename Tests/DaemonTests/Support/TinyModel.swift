import Engine
import Foundation

/// A tiny Llama-shaped Hugging Face model directory (one layer, hidden size 16, untied head) over a small committed
/// tokenizer, so that a daemon refresh cycle takes milliseconds instead of minutes on SmolLM2. The tokenizers are
/// the Engine fixtures (`Tests/EngineTests/Fixtures/tokenizers`, 3000-piece BPEs trained on the stress text).
enum TinyModel {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func tokenizerFixture(_ name: String) -> String {
        repository.appendingPathComponent("Tests/EngineTests/Fixtures/tokenizers/\(name).tokenizer.json.gz").path
    }

    /// Decompresses a tokenizer fixture to `directory/tokenizer.json` and returns that path.
    @discardableResult
    static func writeTokenizer(_ fixture: String, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/tokenizer.json"
        let result = try runCommand("/bin/sh", ["-c", "gzip -dc '\(tokenizerFixture(fixture))' > '\(path)'"])
        guard result.status == 0 else { throw DaemonTestError("cannot decompress \(fixture): \(result.stderr)") }
        return path
    }

    /// The first `pairs` verse pairs of the bundled Bible as `directory/en.txt` and `directory/es.txt` (line-parallel
    /// files for `transtok transfer --source-text/--target-text`).
    static func writeBibleText(pairs: Int, to directory: String) throws {
        let corpus = try RefreshCrashLoopTests.bibleCorpus(count: pairs)
        try corpus.map(\.source).joined(separator: "\n").write(
            toFile: directory + "/en.txt", atomically: true, encoding: .utf8)
        try corpus.map(\.target).joined(separator: "\n").write(
            toFile: directory + "/es.txt", atomically: true, encoding: .utf8)
    }

    /// Writes `config.json`, `tokenizer.json` and `model.safetensors` into `directory` (deterministic weights);
    /// `maxShardBytes` as a function of the vocabulary size forces shards (index + `model-0000k-of-0000n`).
    static func write(
        to directory: String, tokenizer fixture: String = "trained-byte-level-bpe", seed: UInt64 = 7,
        maxPositions: Int = 64, maxShardBytes: (Int) -> Int = { _ in 5_000_000_000 }
    ) throws {
        let tokenizerPath = try writeTokenizer(fixture, to: directory)
        let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))
        let vocabulary = tokenizer.vocabularySize
        let hidden = 16, intermediate = 32
        let config = try LlamaConfig(
            hiddenSize: hidden, intermediateSize: intermediate, numHiddenLayers: 1, numAttentionHeads: 2,
            numKeyValueHeads: 2, vocabSize: vocabulary, maxPositionEmbeddings: maxPositions, ropeTheta: 10_000,
            rmsNormEps: 1e-5,
            tieWordEmbeddings: false, bosTokenID: tokenizer.specialTokenIDs[.bos],
            eosTokenID: tokenizer.specialTokenIDs[.eos])
        try Data(config.huggingFaceJSON(torchDType: "float32").serialized(indent: 2).utf8)
            .write(to: URL(fileURLWithPath: directory + "/config.json"))

        var random = SeededRandom(seed: seed)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -0.5...0.5, using: &random) } }
        var writer = try SafetensorsWriter(outputDType: .f32, maxShardBytes: maxShardBytes(vocabulary))
        try writer.add("model.embed_tokens.weight", shape: [vocabulary, hidden], .float32(values(vocabulary * hidden)))
        let layer = "model.layers.0."
        try writer.add(
            layer + "input_layernorm.weight", shape: [hidden], .float32([Float](repeating: 1, count: hidden)))
        for projection in ["q_proj", "k_proj", "v_proj", "o_proj"] {
            try writer.add(
                layer + "self_attn.\(projection).weight", shape: [hidden, hidden], .float32(values(hidden * hidden)))
        }
        try writer.add(
            layer + "post_attention_layernorm.weight", shape: [hidden], .float32([Float](repeating: 1, count: hidden)))
        try writer.add(
            layer + "mlp.gate_proj.weight", shape: [intermediate, hidden], .float32(values(intermediate * hidden)))
        try writer.add(
            layer + "mlp.up_proj.weight", shape: [intermediate, hidden], .float32(values(intermediate * hidden)))
        try writer.add(
            layer + "mlp.down_proj.weight", shape: [hidden, intermediate], .float32(values(hidden * intermediate)))
        try writer.add("model.norm.weight", shape: [hidden], .float32([Float](repeating: 1, count: hidden)))
        try writer.add("lm_head.weight", shape: [vocabulary, hidden], .float32(values(vocabulary * hidden)))
        _ = try writer.write(to: URL(fileURLWithPath: directory), baseName: "model")
    }
}
