import Engine
import Foundation
import Logging
import Store

/// Writes a workspace's checkpoint directory from its state, every name from `CheckpointLayout`: the target
/// tokenizer, the new embedding/head rows in their own shard (kept by `KeptShards` for the retry of a failed
/// attempt), the unchanging body hard-linked from the workspace's base weights (written once), the token mapping and
/// the source tokenizer. Also reads the rows back from the newest checkpoint after a restart. Keeps the opened base weights and the digests of the hard-linked files.
final class CheckpointAssembler {
    let stateDirectory: String
    let logger: Logger
    /// Digests of the hard-linked base weights, so each checkpoint does not hash them again.
    let digests = FileDigestCache()
    /// The unchanging body tensors as one file, hard-linked into every checkpoint (opened at the first one).
    private(set) var base: (any TensorFile)?

    init(stateDirectory: String, logger: Logger) {
        self.stateDirectory = stateDirectory
        self.logger = logger
    }

    /// The base weights, opened (and written, the first time) on first use; `openedNow` says whether this call did.
    func baseWeights(for state: WorkspaceState) throws -> (file: any TensorFile, openedNow: Bool) {
        if let base { return (base, false) }
        let opened = try BaseWeights.open(
            model: state.model, sourcePath: state.spec.sourceModel,
            workspaceDirectory: stateDirectory + "/workspaces/\(state.spec.name)", dtype: state.outputDType,
            logger: logger)
        base = opened
        return (opened, true)
    }

    /// Writes the model directory for `state` (rows, tokenizers, mapping) into `directory` (not yet published).
    func write(_ state: WorkspaceState, base: any TensorFile, into directory: String) throws {
        guard let embedding = state.embedding, let mapping = state.mapping else {
            throw CheckpointError("no embedding rows")
        }
        var replacements: [String: (shape: [Int], values: [Float])] = [
            CheckpointLayout.embeddingTensor: ([embedding.rows, embedding.columns], embedding.values)
        ]
        if let head = state.head, !state.model.config.tieWordEmbeddings {
            replacements[CheckpointLayout.headTensor] = ([head.rows, head.columns], head.values)
        }
        let url = URL(fileURLWithPath: directory)
        let bundle = try HFTokenizerBundle(targetTokenizer: state.targetTokenizerPath, tokenizer: state.target)
        var writer = HFModelDirectoryWriter(outputDType: state.outputDType)
        // A retry after a failed attempt (a full disk after the rows were written) links their shard, not rewrites it.
        writer.changedShardKeeper = KeptShards(
            checkpointDirectory: (directory as NSString).deletingLastPathComponent, logger: logger)
        let report = try writer.write(
            to: url, config: state.model.config, tokenizer: bundle, source: base, replacements: replacements)
        if !report.keptShardsReused.isEmpty {
            logger.info(
                "reused the rows shard written by a failed attempt",
                metadata: ["workspace": "\(state.spec.name)", "files": "\(report.keptShardsReused)"])
        }
        try TokenMappingFile.write(mapping, to: CheckpointLayout.url(CheckpointLayout.tokenMapping, in: url))
        try CheckpointLayout.writeSourceTokenizer(json: state.model.tokenizerJSON, into: url)
    }

    /// The embedding (and untied head) rows of `checkpoint` when it was built with this state's target tokenizer and
    /// the shapes match, so `translate` answers after a restart without waiting for new data; nil otherwise (the
    /// next cycle computes them). Never throws: a checkpoint that cannot be read is logged.
    func restoreRows(of checkpoint: CheckpointRecord, for state: WorkspaceState) -> (
        embedding: EmbeddingMatrix, head: EmbeddingMatrix?
    )? {
        do {
            let root = URL(fileURLWithPath: checkpoint.path)
            guard
                let manifestData = FileManager.default.contents(
                    atPath: CheckpointLayout.url(CheckpointLayout.manifest, in: root).path)
            else { return nil }
            let manifest = try JSONDecoder().decode(CheckpointManifest.self, from: manifestData)
            guard manifest.targetTokenizer == state.targetTokenizerPath else { return nil }
            let tensors = try TensorFiles.open(path: checkpoint.path)
            let columns = state.model.embedding.columns
            func matrix(_ name: String) throws -> EmbeddingMatrix? {
                guard let info = tensors.info(name), info.shape == [state.target.vocabularySize, columns] else {
                    return nil
                }
                return try EmbeddingMatrix(rows: info.shape[0], columns: columns, values: tensors.float32(name))
            }
            guard let embedding = try matrix(CheckpointLayout.embeddingTensor) else { return nil }
            let head = state.model.head == nil ? nil : try matrix(CheckpointLayout.headTensor)
            if state.model.head != nil, head == nil { return nil }
            logger.info(
                "restored the refreshed rows of the last checkpoint",
                metadata: [
                    "workspace": "\(state.spec.name)", "checkpoint.number": "\(checkpoint.number)",
                ])
            return (embedding, head)
        } catch {
            logger.warning(
                "cannot restore the rows of the last checkpoint; the next cycle recomputes them",
                metadata: [
                    "workspace": "\(state.spec.name)", "error": "\(error)",
                ])
            return nil
        }
    }
}
