import Foundation

/// A tuning model straight from an opened source model: its Llama-family decoder configuration (with GGUF
/// `rope_freqs` when present), its frozen body, and the given tables (a trans-tokenized initialisation). Shared by
/// `transtok transfer --tune-minutes` and the daemon's tuning job.
extension TuningModel {
    public convenience init(source: SourceModel, embedding: EmbeddingMatrix, head: EmbeddingMatrix?) throws {
        guard let llama = source.config.llama else {
            throw TuningError.invalidOptions(
                "embedding tuning needs a Llama-family decoder; this model is \(source.config.architecture)")
        }
        var config = try DecoderConfig(
            llama,
            ropeFrequencyDivisors:
                source.tensors.info("rope_freqs.weight") != nil ? try source.tensors.float32("rope_freqs.weight") : nil)
        config.tiedEmbeddings = source.config.tieWordEmbeddings
        try self.init(
            config: config, tensors: source.tensors, embedding: embedding,
            head: source.config.tieWordEmbeddings ? nil : head)
    }
}

extension TuningStateFile {
    /// The files a tuning state of `modelPath` is fingerprinted by (with the target tokenizer): the model file, or a
    /// Hugging Face directory's `config.json` (its weights are too large to hash on every start).
    public static func identityFiles(modelPath: String) -> [String] {
        FileManager.default.fileExists(atPath: modelPath + "/config.json") ? [modelPath + "/config.json"] : [modelPath]
    }
}

extension TuningModel {
    /// The Hydra tuning model of the translation objective: input table `[embedding ; source rows]` (target block
    /// trainable, source block frozen, read by prompts), head the target's (tied: the target block).
    public convenience init(hydraOf source: SourceModel, embedding: EmbeddingMatrix, head: EmbeddingMatrix?) throws {
        let plain = try TuningModel(source: source, embedding: embedding, head: head)
        var config = plain.config
        config.hydraSourceOffset = embedding.rows
        config.inputVocabularySize = embedding.rows + source.embedding.rows
        config.outputVocabularySize = head?.rows ?? embedding.rows
        do {
            try self.init(
                config: config, body: plain.body, embedding: try embedding.stacked(on: source.embedding),
                head: plain.headMatrix())
        } catch let error as TransferError {
            throw TuningError.invalidOptions("the Hydra tuning table: \(error)")
        }
    }

    /// The target tables: the input table (for a Hydra tuning model its target block) and the untied head.
    public func targetTables() -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?) {
        let all = embeddingMatrix()
        guard let offset = config.hydraSourceOffset else { return (all, headMatrix()) }
        let target =
            (try? EmbeddingMatrix(
                rows: offset, columns: all.columns, values: Array(all.values.prefix(offset * all.columns))))
            ?? EmbeddingMatrix(zeros: offset, columns: all.columns)
        return (target, headMatrix())
    }
}
