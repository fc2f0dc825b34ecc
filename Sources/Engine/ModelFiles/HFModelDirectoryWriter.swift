import Foundation
import Systems

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
        self.init(
            files: [
                (CheckpointLayout.tokenizer, bytes(t.tokenizerJSON)),
                (CheckpointLayout.tokenizerConfig, bytes(t.tokenizerConfig)),
                (CheckpointLayout.specialTokensMap, bytes(t.specialTokensMap)),
            ],
            vocabularySize: t.vocabularySize, bosTokenID: t.bosTokenID, eosTokenID: t.eosTokenID,
            padTokenID: t.padTokenID)
    }

    /// Copy the tokenizer files present in `directory` (tokenizer.json and its configs, SentencePiece models).
    public init(copying directory: URL, vocabularySize: Int, bosTokenID: Int?, eosTokenID: Int?, padTokenID: Int?)
        throws
    {
        var files: [(String, [UInt8])] = []
        for n in CheckpointLayout.tokenizerFiles {
            let url = directory.appendingPathComponent(n)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            do { files.append((n, [UInt8](try Data(contentsOf: url)))) } catch {
                throw ModelFileError.cannotOpen(path: url.path, reason: FileErrorText.reason(error, path: url.path))
            }
        }
        guard files.contains(where: { $0.0 == CheckpointLayout.tokenizer || $0.0 == "tokenizer.model" }) else {
            throw ModelFileError.cannotOpen(path: directory.path, reason: "no tokenizer.json or tokenizer.model")
        }
        self.init(
            files: files, vocabularySize: vocabularySize, bosTokenID: bosTokenID, eosTokenID: eosTokenID,
            padTokenID: padTokenID)
    }
}

/// Writes a Hugging Face model directory (`CheckpointLayout`): `config.json` (the source's, passed through with the
/// vocabulary size, special-token ids, tie flag and dtype of the output), `generation_config.json` (decoders: bos/eos/pad
/// of the tokenizer, never stale source ids), the weights and the tokenizer files, plus any extra files (token mapping,
/// source tokenizer) — all inside the one atomic rename.
///
/// Tensors come from `source` (any `TensorFile` with HF names) unless replaced. When `source` is safetensors, each
/// source shard none of whose tensors changed and whose float tensors are already in the output dtype is reused
/// (`shardReuse`: hard-linked, falling back to a copy on another filesystem; or copied) instead of rewritten; the
/// other tensors go to `model-transtok*.safetensors` and one index lists them all. Without reusable shards the
/// weights are `model.safetensors` (sharded with an index beyond `maxShardBytes`). The directory is built as
/// `DIR.tmp-XXXX`, fsync'ed and renamed into place (an existing `DIR` is swapped out and removed only after the
/// rename succeeded).
public struct HFModelDirectoryWriter {
    public enum ShardReuse: Sendable {
        /// Hard-link unchanged source shards (a copy when on another filesystem).
        case link
        /// Copy unchanged source shards byte for byte (the output shares no inode with the source).
        case copy
        /// Rewrite every tensor.
        case rewrite
    }

    public var outputDType: TensorDType
    public var maxShardBytes: Int
    public var shardReuse: ShardReuse = .link
    /// Keeps the changed-tensor shards of a write that fails after them and hands them to the next write of the same
    /// tensors (the daemon's retry after a full disk), which then hard-links them instead of writing them again.
    public var changedShardKeeper: (any ChangedShardKeeper)?

    /// Compatibility switch: false = `.rewrite`, true = `.link`.
    public var linkUnchangedShards: Bool {
        get { shardReuse != .rewrite }
        set { shardReuse = newValue ? .link : .rewrite }
    }

    public init(outputDType: TensorDType = .f32, maxShardBytes: Int = 5_000_000_000) {
        self.outputDType = outputDType
        self.maxShardBytes = maxShardBytes
    }

    public struct Report: Sendable {
        public var files: [String]
        /// Source shards reused (linked or copied), by output file name.
        public var linkedShards: [String]
        public var tensorCount: Int
        /// Bytes of tensor data written (not reused).
        public var writtenTensorBytes: Int
        /// Changed-tensor shards hard-linked from `changedShardKeeper` instead of written, by output file name.
        public var keptShardsReused: [String] = []
    }

    /// Llama-family compatibility entry point: `config` as the equivalent HF `config.json`.
    @discardableResult
    public func write(
        to output: URL, config sourceConfig: LlamaConfig, tokenizer: HFTokenizerBundle,
        source: any TensorFile, replacements: [String: (shape: [Int], values: [Float])] = [:],
        dropping: Set<String> = []
    ) throws -> Report {
        try write(
            to: output, config: ModelConfig(llama: sourceConfig), tokenizer: tokenizer, source: source,
            replacements: replacements, dropping: dropping)
    }

    /// - Parameters:
    ///   - replacements: new values for tensors (e.g. the remapped embedding), name → (shape, values).
    ///   - dropping: source tensors not to write.
    ///   - tie: the output's tie flag when it differs from the source's (Hydra: false).
    ///   - configExtra: keys set in `config.json` after the pass-through (Hydra keys).
    ///   - extraFiles: relative path (at most one directory deep) → contents, written inside the atomic rename.
    @discardableResult
    public func write(
        to output: URL, config sourceConfig: ModelConfig, tokenizer: HFTokenizerBundle,
        source: any TensorFile, replacements: [String: (shape: [Int], values: [Float])] = [:],
        dropping: Set<String> = [], tie: Bool? = nil, configExtra: [(String, JSONValue)] = [],
        extraFiles: [(String, [UInt8])] = []
    ) throws -> Report {
        guard [.f32, .f16, .bf16].contains(outputDType) else {
            throw ModelFileError.unsupportedDType(name: "(output)", dtype: outputDType.rawValue)
        }
        let tied = tie ?? sourceConfig.tieWordEmbeddings
        let roles = sourceConfig.roles
        // Resulting tensor list: source order, then new names.
        var dropped = dropping
        if tied { dropped.formUnion(sourceConfig.architecture.headTensors) }
        var names = source.tensorNames.filter { !dropped.contains($0) }
        for n in replacements.keys.sorted() where !names.contains(n) { names.append(n) }
        func shape(_ n: String) -> [Int]? { replacements[n]?.shape ?? source.info(n)?.shape }
        guard let embShape = shape(roles.embedding), embShape.count == 2 else {
            throw ModelFileError.invalidConfig("no 2-D \(roles.embedding) to write")
        }
        guard embShape[1] == sourceConfig.hiddenSize else {
            throw ModelFileError.invalidConfig(
                "embedding width \(embShape[1]) ≠ hidden_size \(sourceConfig.hiddenSize)")
        }
        guard tokenizer.vocabularySize <= embShape[0] else {
            throw ModelFileError.invalidConfig(
                "tokenizer has \(tokenizer.vocabularySize) tokens but the embedding only \(embShape[0]) rows")
        }
        let outputVocabulary = configExtra.first { $0.0 == "vocab_size" }?.1.int ?? embShape[0]
        if !tied, sourceConfig.architecture.kind == .decoder {
            let head = roles.head ?? CheckpointLayout.headTensor
            guard shape(head) == [outputVocabulary, embShape[1]] else {
                throw ModelFileError.invalidConfig(
                    "untied model needs \(head) shaped \([outputVocabulary, embShape[1]])")
            }
        }
        for (name, _) in extraFiles { try Self.checkRelativePath(name) }
        for (name, _) in tokenizer.files {
            guard !name.contains("/"), !name.hasPrefix(".") else {
                throw ModelFileError.invalidConfig("bad tokenizer file name '\(name)'")
            }
        }

        let parent = output.deletingLastPathComponent()
        let tmp = parent.appendingPathComponent(
            "\(output.lastPathComponent).tmp-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        do { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: false) } catch {
            throw ModelFileError.io(path: tmp.path, reason: "cannot create: \(FileErrorText.reason(error))")
        }
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(at: tmp) } }

        // Unchanged safetensors shards: reuse.
        var linked: [String] = []
        var weightMap: [(String, String)] = []
        var remaining = names
        if shardReuse != .rewrite {
            let changed = Set(replacements.keys).union(dropped)
            for (file, shard) in Self.sourceShards(source) {
                let tensors = shard.tensorNames
                guard !tensors.isEmpty,
                    tensors.allSatisfy({ !changed.contains($0) && source.info($0)?.dtype == shard.info($0)?.dtype }),
                    tensors.allSatisfy({
                        shard.info($0)?.dtype == outputDType || shard.info($0)?.dtype.isFloatConvertible == false
                    })
                else { continue }
                try Self.reuse(shard.path, as: tmp.appendingPathComponent(file).path, link: shardReuse == .link)
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
        var writtenBytes = writer.totalBytes
        var keptReused: [String] = []
        if linked.isEmpty {
            files = try writer.write(to: tmp, baseName: CheckpointLayout.weightsBaseName)
        } else {
            // New shards beside the reused ones, and one index for all of them.
            let key = changedShardKeeper.flatMap { _ in
                Self.changedShardsKey(
                    names: remaining, replacements: replacements, outputDType: outputDType,
                    maxShardBytes: maxShardBytes, metadata: writer.metadata)
            }
            var written: [String] = []
            if let key, let kept = changedShardKeeper?.kept(key: key), !kept.isEmpty {
                for (file, path) in kept.sorted(by: { $0.key < $1.key }) {
                    try Self.checkRelativePath(file)
                    try Self.reuse(path, as: tmp.appendingPathComponent(file).path, link: true)
                    written.append(file)
                }
                keptReused = written
                writtenBytes = 0
            } else if writer.tensorCount > 0 {
                written = try writer.write(to: tmp, baseName: CheckpointLayout.changedWeightsBaseName)
                for f in written where f.hasSuffix(".index.json") {
                    try FileManager.default.removeItem(at: tmp.appendingPathComponent(f))
                }
                if let key {
                    changedShardKeeper?.keep(
                        Dictionary(
                            uniqueKeysWithValues: written.filter { $0.hasSuffix(".safetensors") }.map {
                                ($0, tmp.appendingPathComponent($0).path)
                            }), key: key)
                }
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
            let index: JSONValue = .object([
                ("metadata", .object([("total_size", .int(total))])),
                ("weight_map", .object(weightMap.map { ($0.0, .string($0.1)) })),
            ])
            try AtomicFile.write(
                Array((index.serialized() + "\n").utf8),
                to: tmp.appendingPathComponent(CheckpointLayout.weightIndex).path)
            files = linked + shards + [CheckpointLayout.weightIndex]
        }

        let config = sourceConfig.outputJSON(
            vocabSize: embShape[0], tokenizer: tokenizer, dtype: outputDType, tie: tie, extra: configExtra)
        try writeJSON(config, tmp.appendingPathComponent(CheckpointLayout.config))
        files.append(CheckpointLayout.config)
        if sourceConfig.architecture.kind == .decoder {
            var generation: [(String, JSONValue)] = [("_from_model_config", .bool(true))]
            if let b = tokenizer.bosTokenID { generation.append(("bos_token_id", .int(b))) }
            if let e = tokenizer.eosTokenID { generation.append(("eos_token_id", .int(e))) }
            if let p = tokenizer.padTokenID { generation.append(("pad_token_id", .int(p))) }
            try writeJSON(.object(generation), tmp.appendingPathComponent(CheckpointLayout.generationConfig))
            files.append(CheckpointLayout.generationConfig)
        }
        for (name, bytes) in tokenizer.files + extraFiles {
            let url = tmp.appendingPathComponent(name)
            let directory = url.deletingLastPathComponent()
            if directory.path != tmp.path {
                do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
                    throw ModelFileError.io(
                        path: directory.path, reason: "cannot create: \(FileErrorText.reason(error))")
                }
            }
            try AtomicFile.write(bytes, to: url.path)
            if directory.path != tmp.path { try AtomicFile.syncDirectory(directory.path) }
        }
        files += tokenizer.files.map(\.0) + extraFiles.map(\.0)
        try AtomicFile.syncDirectory(tmp.path)

        // Into place (an existing output is replaced only once the new one is complete and durable).
        do { try DurableDirectory.publish(tmp.path, at: output.path, replacing: true) } catch {
            throw ModelFileError.posix(output.path, error.step.rawValue, error.code)
        }
        committed = true
        return Report(
            files: files, linkedShards: linked, tensorCount: names.count, writtenTensorBytes: writtenBytes,
            keptShardsReused: keptReused)
    }

    private func writeJSON(_ v: JSONValue, _ url: URL) throws {
        try AtomicFile.write(Array((v.serialized(indent: 2) + "\n").utf8), to: url.path)
    }

    static func checkRelativePath(_ name: String) throws {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.hasPrefix("/"), (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") })
        else {
            throw ModelFileError.invalidConfig("bad output file name '\(name)'")
        }
    }

    /// The safetensors files behind `source`, by file name (empty for other formats).
    static func sourceShards(_ source: any TensorFile) -> [(String, SafetensorsFile)] {
        if let s = source as? SafetensorsFile { return [(URL(fileURLWithPath: s.path).lastPathComponent, s)] }
        if let s = source as? ShardedSafetensors {
            return s.shards.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        return []
    }

    /// Hard-links `from` to `to` (with `link`), else copies it byte for byte; fsyncs a copy.
    static func reuse(_ from: String, as to: String, link shouldLink: Bool) throws {
        if shouldLink, link(from, to) == 0 { return }
        do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
            throw ModelFileError.io(
                path: to, reason: "cannot \(shouldLink ? "link or " : "")copy \(from): \(FileErrorText.reason(error))")
        }
        let fd = open(to, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelFileError.posix(to, "open copy") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ModelFileError.posix(to, "fsync copy") }
    }
}
