import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tokenizer files of an output model plus the facts the model config needs from them.
public struct HFTokenizerBundle: Sendable {
    /// File name → contents (`tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`, …).
    public var files: [(String, [UInt8])]
    public var vocabularySize: Int
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var padTokenID: Int?

    public init(files: [(String, [UInt8])], vocabularySize: Int, bosTokenID: Int?, eosTokenID: Int?, padTokenID: Int?) {
        self.files = files
        self.vocabularySize = vocabularySize
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.padTokenID = padTokenID
    }

    /// From a GGUF's embedded tokenizer.
    public init(_ t: HFTokenizerFiles) {
        func bytes(_ v: JSONValue) -> [UInt8] { Array((v.serialized(indent: 2) + "\n").utf8) }
        self.init(files: [("tokenizer.json", bytes(t.tokenizerJSON)), ("tokenizer_config.json", bytes(t.tokenizerConfig)),
                          ("special_tokens_map.json", bytes(t.specialTokensMap))],
                  vocabularySize: t.vocabularySize, bosTokenID: t.bosTokenID, eosTokenID: t.eosTokenID, padTokenID: t.padTokenID)
    }

    /// Copy the tokenizer files present in `directory` (tokenizer.json and its configs, SentencePiece models).
    public init(copying directory: URL, vocabularySize: Int, bosTokenID: Int?, eosTokenID: Int?, padTokenID: Int?) throws {
        let names = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                     "vocab.json", "merges.txt", "added_tokens.json"]
        var files: [(String, [UInt8])] = []
        for n in names {
            let url = directory.appendingPathComponent(n)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            do { files.append((n, [UInt8](try Data(contentsOf: url)))) } catch {
                throw ModelFileError.cannotOpen(path: url.path, reason: "\(error)")
            }
        }
        guard files.contains(where: { $0.0 == "tokenizer.json" || $0.0 == "tokenizer.model" }) else {
            throw ModelFileError.cannotOpen(path: directory.path, reason: "no tokenizer.json or tokenizer.model")
        }
        self.init(files: files, vocabularySize: vocabularySize, bosTokenID: bosTokenID, eosTokenID: eosTokenID, padTokenID: padTokenID)
    }
}

/// Writes a Hugging Face `LlamaForCausalLM` directory: `config.json` (vocab size and special-token ids from the
/// tokenizer), `generation_config.json` (bos/eos/pad from the tokenizer, never stale source ids),
/// `model.safetensors` (sharded with an index when larger than `maxShardBytes`) and the tokenizer files.
///
/// Tensors come from `source` (any `TensorFile` with HF names) unless replaced. When `source` is safetensors
/// in the output dtype, each source shard none of whose tensors changed is hard-linked (copied when on another
/// filesystem) instead of rewritten. The directory is built as `DIR.tmp-XXXX`, fsync'ed and renamed into place
/// (an existing `DIR` is swapped out and removed only after the rename succeeded).
public struct HFModelDirectoryWriter {
    public var outputDType: TensorDType
    public var maxShardBytes: Int
    public var linkUnchangedShards = true

    public init(outputDType: TensorDType = .f32, maxShardBytes: Int = 5_000_000_000) {
        self.outputDType = outputDType
        self.maxShardBytes = maxShardBytes
    }

    public struct Report: Sendable {
        public var files: [String]
        public var linkedShards: [String]
        public var tensorCount: Int
    }

    /// - Parameters:
    ///   - replacements: new values for tensors (e.g. remapped `model.embed_tokens.weight`), name → (shape, values).
    ///   - dropping: source tensors not to write.
    @discardableResult
    public func write(to output: URL, config sourceConfig: LlamaConfig, tokenizer: HFTokenizerBundle,
                      source: any TensorFile, replacements: [String: (shape: [Int], values: [Float])] = [:],
                      dropping: Set<String> = []) throws -> Report {
        guard [.f32, .f16, .bf16].contains(outputDType) else {
            throw ModelFileError.unsupportedDType(name: "(output)", dtype: outputDType.rawValue)
        }
        // Resulting tensor list: source order, then new names.
        var dropped = dropping
        if sourceConfig.tieWordEmbeddings { dropped.insert("lm_head.weight") }
        var names = source.tensorNames.filter { !dropped.contains($0) }
        for n in replacements.keys.sorted() where !names.contains(n) { names.append(n) }
        func shape(_ n: String) -> [Int]? { replacements[n]?.shape ?? source.info(n)?.shape }
        guard let embShape = shape("model.embed_tokens.weight"), embShape.count == 2 else {
            throw ModelFileError.invalidConfig("no 2-D model.embed_tokens.weight to write")
        }
        guard embShape[1] == sourceConfig.hiddenSize else {
            throw ModelFileError.invalidConfig("embedding width \(embShape[1]) ≠ hidden_size \(sourceConfig.hiddenSize)")
        }
        guard tokenizer.vocabularySize <= embShape[0] else {
            throw ModelFileError.invalidConfig("tokenizer has \(tokenizer.vocabularySize) tokens but the embedding only \(embShape[0]) rows")
        }
        if !sourceConfig.tieWordEmbeddings {
            guard shape("lm_head.weight") == embShape else {
                throw ModelFileError.invalidConfig("untied model needs lm_head.weight shaped \(embShape)")
            }
        }
        var config = sourceConfig
        config.vocabSize = embShape[0]
        config.bosTokenID = tokenizer.bosTokenID
        config.eosTokenID = tokenizer.eosTokenID
        config.padTokenID = tokenizer.padTokenID

        let parent = output.deletingLastPathComponent()
        let tmp = parent.appendingPathComponent("\(output.lastPathComponent).tmp-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        do { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: false) } catch {
            throw ModelFileError.io(path: tmp.path, reason: "cannot create: \(error)")
        }
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(at: tmp) } }

        // Unchanged safetensors shards: hard link.
        var linked: [String] = []
        var weightMap: [(String, String)] = []
        var remaining = names
        if linkUnchangedShards {
            let changed = Set(replacements.keys).union(dropped)
            for (file, shard) in sourceShards(source) {
                let tensors = shard.tensorNames
                guard !tensors.isEmpty, tensors.allSatisfy({ !changed.contains($0) && source.info($0)?.dtype == shard.info($0)?.dtype }),
                      tensors.allSatisfy({ shard.info($0)?.dtype == outputDType || shard.info($0)?.dtype.isFloatConvertible == false }) else { continue }
                let target = tmp.appendingPathComponent(file)
                try linkOrCopy(from: shard.path, to: target.path)
                linked.append(file)
                let set = Set(tensors)
                remaining.removeAll { set.contains($0) }
                weightMap += tensors.map { ($0, file) }
            }
        }

        var writer = try SafetensorsWriter(outputDType: outputDType, maxShardBytes: maxShardBytes)
        for n in remaining {
            if let r = replacements[n] {
                try writer.add(n, shape: r.shape, .float32(r.values))
            } else {
                guard let info = source.info(n) else { throw ModelFileError.tensorNotFound(name: n) }
                try writer.add(n, shape: info.shape, .tensor(source, name: n))
            }
        }
        var files: [String] = []
        if linked.isEmpty {
            files = try writer.write(to: tmp, baseName: "model")
        } else {
            // New shards beside the linked ones, and one index for all of them.
            let written = writer.tensorCount > 0 ? try writer.write(to: tmp, baseName: "model-transtok") : []
            for f in written where f.hasSuffix(".index.json") {
                try FileManager.default.removeItem(at: tmp.appendingPathComponent(f))
            }
            let shards = written.filter { $0.hasSuffix(".safetensors") }
            for f in shards {
                let st = try SafetensorsFile(path: tmp.appendingPathComponent(f).path)
                weightMap += st.tensorNames.map { ($0, f) }
            }
            var total = 0
            for f in linked + shards {
                let st = try SafetensorsFile(path: tmp.appendingPathComponent(f).path)
                total += st.tensorNames.reduce(0) { $0 + (st.byteRange($1)?.count ?? 0) }
            }
            weightMap.sort { $0.0 < $1.0 }
            let index: JSONValue = .object([("metadata", .object([("total_size", .int(total))])),
                                            ("weight_map", .object(weightMap.map { ($0.0, .string($0.1)) }))])
            try AtomicFile.write(Array((index.serialized() + "\n").utf8), to: tmp.appendingPathComponent("model.safetensors.index.json").path)
            files = linked + shards + ["model.safetensors.index.json"]
        }

        let torchDType = ["F32": "float32", "F16": "float16", "BF16": "bfloat16"][outputDType.rawValue] ?? "float32"
        try writeJSON(config.huggingFaceJSON(torchDType: torchDType), tmp.appendingPathComponent("config.json"))
        var generation: [(String, JSONValue)] = [("_from_model_config", .bool(true))]
        if let b = tokenizer.bosTokenID { generation.append(("bos_token_id", .int(b))) }
        if let e = tokenizer.eosTokenID { generation.append(("eos_token_id", .int(e))) }
        if let p = tokenizer.padTokenID { generation.append(("pad_token_id", .int(p))) }
        try writeJSON(.object(generation), tmp.appendingPathComponent("generation_config.json"))
        for (name, bytes) in tokenizer.files {
            guard !name.contains("/"), !name.hasPrefix(".") else { throw ModelFileError.invalidConfig("bad tokenizer file name '\(name)'") }
            try AtomicFile.write(bytes, to: tmp.appendingPathComponent(name).path)
        }
        files += ["config.json", "generation_config.json"] + tokenizer.files.map(\.0)
        try AtomicFile.syncDirectory(tmp.path)

        // Swap into place.
        var old: URL?
        if FileManager.default.fileExists(atPath: output.path) {
            let o = parent.appendingPathComponent("\(output.lastPathComponent).old-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
            guard rename(output.path, o.path) == 0 else { throw ModelFileError.posix(output.path, "rename existing output aside") }
            old = o
        }
        guard rename(tmp.path, output.path) == 0 else {
            let code = errnoValue()
            if let old { _ = rename(old.path, output.path) }
            throw ModelFileError.posix(output.path, "rename into place", code)
        }
        committed = true
        try AtomicFile.syncDirectory(parent.path)
        if let old { try? FileManager.default.removeItem(at: old) }
        return Report(files: files, linkedShards: linked, tensorCount: names.count)
    }

    private func writeJSON(_ v: JSONValue, _ url: URL) throws {
        try AtomicFile.write(Array((v.serialized(indent: 2) + "\n").utf8), to: url.path)
    }

    private func sourceShards(_ source: any TensorFile) -> [(String, SafetensorsFile)] {
        if let s = source as? SafetensorsFile { return [(URL(fileURLWithPath: s.path).lastPathComponent, s)] }
        if let s = source as? ShardedSafetensors { return s.shards.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        return []
    }

    private func linkOrCopy(from: String, to: String) throws {
        if link(from, to) == 0 { return }
        do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
            throw ModelFileError.io(path: to, reason: "cannot link or copy \(from): \(error)")
        }
    }
}
