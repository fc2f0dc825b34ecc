import Foundation

/// A tuning model straight from an opened source model: its Llama-family decoder configuration (with GGUF
/// `rope_freqs` when present), its frozen body, and the given tables (a trans-tokenized initialisation). Shared by
/// `transtok transfer --tune-minutes` and the daemon's tuning job.
extension TuningModel {
    public convenience init(source: SourceModel, embedding: EmbeddingMatrix, head: EmbeddingMatrix?) throws {
        let config = try Self.decoderConfig(of: source)
        try self.init(
            config: config, tensors: source.tensors, embedding: embedding, head: config.tiedEmbeddings ? nil : head)
    }

    /// The source model's Llama-family decoder configuration (GGUF `rope_freqs` applied, its head tying).
    static func decoderConfig(of source: SourceModel) throws -> DecoderConfig {
        guard let llama = source.config.llama else {
            throw TuningError.invalidOptions(
                "embedding tuning needs a Llama-family decoder; this model is \(source.config.architecture)")
        }
        var config = try DecoderConfig(
            llama,
            ropeFrequencyDivisors:
                source.tensors.info("rope_freqs.weight") != nil ? try source.tensors.float32("rope_freqs.weight") : nil)
        config.tiedEmbeddings = source.config.tieWordEmbeddings
        return config
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
        var config = try Self.decoderConfig(of: source)
        config.hydraSourceOffset = embedding.rows
        let targetHead = config.tiedEmbeddings ? nil : head
        config.outputVocabularySize = targetHead?.rows ?? embedding.rows
        let input: EmbeddingMatrix
        do {
            input = try embedding.stacked(on: source.embedding)
        } catch {
            throw TuningError.invalidOptions("the Hydra tuning table: \(error)")
        }
        try self.init(config: config, tensors: source.tensors, embedding: input, head: targetHead)
    }

    /// The target tables: the input table (for a Hydra tuning model its target block) and the untied head.
    public func targetTables() -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?) {
        guard let offset = config.hydraSourceOffset else { return (embeddingMatrix(), headMatrix()) }
        // Only the target block is copied (the source block is as large and never changes).
        let columns = config.hiddenSize
        let target =
            (try? EmbeddingMatrix(
                rows: offset, columns: columns,
                values: Array(UnsafeBufferPointer(start: embedding.pointer, count: offset * columns))))
            ?? EmbeddingMatrix(zeros: offset, columns: columns)
        return (target, headMatrix())
    }
}
