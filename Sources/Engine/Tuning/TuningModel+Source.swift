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
