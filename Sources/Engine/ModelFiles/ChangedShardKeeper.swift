import Foundation
import Hashing

/// Keeps the changed-tensor shards (`model-transtok*.safetensors`) of a model directory whose write failed after
/// them (a full disk at the tokenizer files or the manifest), so the next attempt hard-links them instead of writing
/// them again. `key` is a digest of what the shards contain (`HFModelDirectoryWriter.changedShardsKey`): a kept
/// shard is used only for exactly the same tensors, dtype and layout.
public protocol ChangedShardKeeper {
    /// The kept shards for `key` (output file name → path to hard-link), or nil when none are kept for it.
    func kept(key: String) -> [String: String]?
    /// The shards just written for `key` (output file name → path inside the unfinished directory): keep them
    /// (durably), replacing whatever was kept before. A failure to keep is the keeper's to log, never the write's.
    func keep(_ files: [String: String], key: String)
}

extension HFModelDirectoryWriter {
    /// SHA-256 (hex) of everything the changed shards' bytes are made of: the format version, the output dtype, the
    /// shard size limit, the safetensors metadata, and each tensor's name, shape and values in writing order. Nil
    /// when a tensor's values come from the source file rather than from `replacements` (no cheap digest).
    static func changedShardsKey(
        names: [String], replacements: [String: (shape: [Int], values: [Float])], outputDType: TensorDType,
        maxShardBytes: Int, metadata: [(String, String)]
    ) -> String? {
        guard !names.isEmpty, names.allSatisfy({ replacements[$0] != nil }) else { return nil }
        func text(_ s: String, _ out: inout [UInt8]) {
            integer(s.utf8.count, &out)
            out += Array(s.utf8)
        }
        func integer(_ n: Int, _ out: inout [UInt8]) { withUnsafeBytes(of: Int64(n).littleEndian) { out += $0 } }
        var hasher = SHA256Hasher()
        var head: [UInt8] = []
        text("transtok-changed-shards/1", &head)
        text(outputDType.rawValue, &head)
        integer(maxShardBytes, &head)
        integer(metadata.count, &head)
        for (k, v) in metadata {
            text(k, &head)
            text(v, &head)
        }
        integer(names.count, &head)
        hasher.update(head)
        for name in names {
            guard let replacement = replacements[name] else { return nil }
            var prefix: [UInt8] = []
            text(name, &prefix)
            integer(replacement.shape.count, &prefix)
            for d in replacement.shape { integer(d, &prefix) }
            integer(replacement.values.count, &prefix)
            hasher.update(prefix)
            replacement.values.withUnsafeBytes { raw in hasher.update(raw) }
        }
        return Digest.hex(hasher.finalize())
    }
}
