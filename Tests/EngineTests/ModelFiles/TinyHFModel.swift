import Foundation

@testable import Engine

/// A tiny Llama-layout Hugging Face directory (two layers, hidden 16) over a committed tokenizer fixture, with a
/// shard limit small enough to force several shards, so reuse and splitting of shards can be tested in milliseconds.
enum TinyHFModel {
    static let hidden = 16, intermediate = 32, layers = 2

    /// A scratch directory, removed when the test process exits (`TestScratch`).
    static func temporaryDirectory(_ label: String) throws -> URL { try TestScratch.directory(label) }

    /// The decompressed `tokenizer.json` text of a fixture.
    static func tokenizerJSON(_ fixture: String) throws -> String {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizers/\(fixture).tokenizer.json.gz")))
        return String(decoding: try Gzip.decompress(data), as: UTF8.self)
    }

    /// Writes `config.json` (model_type `modelType`, plus `extraConfig` keys), `tokenizer.json` and the weights.
    /// - Parameter maxShardBytes: the shard limit (the embedding is written first, the head last).
    @discardableResult
    static func write(
        to dir: URL, dtype: TensorDType = .f32, tied: Bool = false, maxShardBytes: Int = 5_000_000_000,
        modelType: String = "llama", extraConfig: [(String, JSONValue)] = [],
        tokenizer fixture: String = "trained-byte-level-bpe"
    ) throws -> Int {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = try tokenizerJSON(fixture)
        try Data(text.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        let vocab = try Tokenizer(data: Array(text.utf8)).vocabularySize
        let config = try LlamaConfig(
            hiddenSize: hidden, intermediateSize: intermediate, numHiddenLayers: layers,
            numAttentionHeads: 2, numKeyValueHeads: 1, vocabSize: vocab, maxPositionEmbeddings: 64,
            ropeTheta: 10_000, rmsNormEps: 1e-5, tieWordEmbeddings: tied)
        var json = config.huggingFaceJSON(torchDType: dtype.torchName)
        json.set("model_type", .string(modelType))
        for (k, v) in extraConfig { json.set(k, v) }
        try Data(json.serialized(indent: 2).utf8).write(to: dir.appendingPathComponent("config.json"))

        var state: UInt64 = 0x5eed
        func values(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int(state >> 40) % 2001 - 1000) / 4000
            }
        }
        let kv = hidden / 2
        var w = try SafetensorsWriter(outputDType: dtype, maxShardBytes: maxShardBytes)
        try w.add("model.embed_tokens.weight", shape: [vocab, hidden], .float32(values(vocab * hidden)))
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            try w.add(p + "input_layernorm.weight", shape: [hidden], .float32(values(hidden)))
            try w.add(p + "self_attn.q_proj.weight", shape: [hidden, hidden], .float32(values(hidden * hidden)))
            try w.add(p + "self_attn.k_proj.weight", shape: [kv, hidden], .float32(values(kv * hidden)))
            try w.add(p + "self_attn.v_proj.weight", shape: [kv, hidden], .float32(values(kv * hidden)))
            try w.add(p + "self_attn.o_proj.weight", shape: [hidden, hidden], .float32(values(hidden * hidden)))
            try w.add(p + "post_attention_layernorm.weight", shape: [hidden], .float32(values(hidden)))
            try w.add(
                p + "mlp.gate_proj.weight", shape: [intermediate, hidden], .float32(values(intermediate * hidden)))
            try w.add(p + "mlp.up_proj.weight", shape: [intermediate, hidden], .float32(values(intermediate * hidden)))
            try w.add(
                p + "mlp.down_proj.weight", shape: [hidden, intermediate], .float32(values(hidden * intermediate)))
        }
        try w.add("model.norm.weight", shape: [hidden], .float32(values(hidden)))
        if !tied { try w.add("lm_head.weight", shape: [vocab, hidden], .float32(values(vocab * hidden))) }
        try w.write(to: dir)
        return vocab
    }
}
