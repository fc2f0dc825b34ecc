import Foundation

@testable import Sync

/// Writes a small Hugging Face-like checkpoint directory with a real safetensors layout:
/// an embedding matrix (vocab × dim, BF16), a few layer tensors, a norm and an lm_head.
struct CheckpointFixture {
    var vocab = 4096
    var dim = 256
    var layers = 3
    var seed: UInt64 = 1

    struct Tensor {
        var name: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    func tensors() -> [Tensor] {
        var out = [
            Tensor(
                name: "model.embed_tokens.weight", shape: [vocab, dim],
                bytes: testBytes(vocab * dim * 2, seed: seed))
        ]
        for l in 0..<layers {
            out.append(
                Tensor(
                    name: "model.layers.\(l).mlp.weight", shape: [dim * 2, dim],
                    bytes: testBytes(dim * 2 * dim * 2, seed: seed &+ 100 &+ UInt64(l))))
            out.append(
                Tensor(
                    name: "model.layers.\(l).norm.weight", shape: [dim],
                    bytes: testBytes(dim * 2, seed: seed &+ 200 &+ UInt64(l))))
        }
        out.append(
            Tensor(name: "lm_head.weight", shape: [vocab, dim], bytes: testBytes(vocab * dim * 2, seed: seed &+ 7)))
        return out
    }

    static func safetensors(_ tensors: [Tensor]) -> [UInt8] {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": "BF16", "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
            offset += t.bytes.count
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map(Array.init) ?? []
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        var n = UInt64(json.count)
        for _ in 0..<8 {
            out.append(UInt8(n & 0xFF))
            n >>= 8
        }
        out += json
        for t in tensors { out += t.bytes }
        return out
    }

    /// Writes the directory; `refreshRows` (a block) and `scatteredRows` (any rows) rewrite those embedding and
    /// lm_head rows (an embedding refresh).
    @discardableResult
    func write(to dir: String, refreshRows: Range<Int>? = nil, scatteredRows: [Int] = [], refreshSeed: UInt64 = 99)
        -> String
    {
        var ts = tensors()
        let rows = Array(refreshRows ?? 0..<0) + scatteredRows
        if !rows.isEmpty {
            for i in ts.indices where ts[i].name == "model.embed_tokens.weight" || ts[i].name == "lm_head.weight" {
                let rowBytes = dim * 2
                for (n, r) in rows.enumerated() {
                    let fresh = testBytes(rowBytes, seed: refreshSeed &+ UInt64(i) &* 1_000_003 &+ UInt64(n))
                    ts[i].bytes.replaceSubrange(r * rowBytes..<(r + 1) * rowBytes, with: fresh)
                }
            }
        }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let files: [(String, [UInt8])] = [
            ("config.json", Array("{\"model_type\":\"llama\",\"hidden_size\":\(dim),\"vocab_size\":\(vocab)}".utf8)),
            ("tokenizer.json", Array("{\"version\":\"1.0\",\"model\":{\"type\":\"BPE\"}}".utf8)),
            ("model.safetensors", Self.safetensors(ts)),
        ]
        for (name, bytes) in files {
            _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes))
        }
        return dir
    }

    /// Untied embedding and lm_head of 3000 × 1024 (BF16: 2 KiB rows, 6 MiB each) beside 24 MiB of layers: the row
    /// tables are a third of the bytes, and no layer matrix has 3000 rows.
    static let scatteredRefresh = CheckpointFixture(vocab: 3000, dim: 1024, layers: 6)

    /// 1% of the vocabulary, evenly spread: rows 7, 107, 207, …
    static func everyHundredthRow(vocab: Int) -> [Int] { Array(stride(from: 7, to: vocab, by: 100)) }
}
