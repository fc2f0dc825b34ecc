import Foundation

/// Writes what `transtok transfer` produces (`CheckpointLayout`), atomically as one directory: the model with the new
/// tables (a Hugging Face directory of the source's architecture, or a Hydra directory), the target tokenizer,
/// `token_mapping.json`, `source_tokenizer/tokenizer.json` and, when given, the model card `README.md`.
public struct TransferOutput {
    public var dtype: TensorDType
    public var shardReuse: HFModelDirectoryWriter.ShardReuse
    public var maxShardBytes: Int

    public init(
        dtype: TensorDType, shardReuse: HFModelDirectoryWriter.ShardReuse = .copy, maxShardBytes: Int = 5_000_000_000
    ) {
        self.dtype = dtype
        self.shardReuse = shardReuse
        self.maxShardBytes = maxShardBytes
    }

    /// - Parameters:
    ///   - embedding, head: the new rows (`head` nil for tied models or encoders without a head).
    ///   - headBiases: new vocabulary-sized biases (one-column tables), by tensor name.
    ///   - hydraPrior: the Hydra head's log-prior and length ratio (`HydraPrior`; Hydra only).
    ///   - hydraLexicon: the aligner's word translations for source-paced decoding (`HydraLexicon`; Hydra only).
    @discardableResult
    public func write(
        to output: URL, source: SourceModel, embedding: EmbeddingMatrix, head: EmbeddingMatrix?,
        headBiases: [String: EmbeddingMatrix] = [:], mapping: TokenMapping, tokenizer: HFTokenizerBundle,
        hydra: Bool = false, hydraPrior: HydraPrior? = nil, hydraLexicon: HydraLexicon? = nil, card: ModelCard? = nil
    ) throws -> HFModelDirectoryWriter.Report? {
        let mappingBytes = try TokenMappingJSON.encode(mapping)
        let cardFiles: [(String, [UInt8])] = card.map { [(CheckpointLayout.modelCard, Array($0.markdown.utf8))] } ?? []
        let sourceTokenizer: [UInt8] = Array(
            (source.tokenizerJSON.hasSuffix("\n") ? source.tokenizerJSON : source.tokenizerJSON + "\n").utf8)
        if hydra {
            try HydraWriter.write(
                to: output, config: source.config, source: source.tensors, target: embedding, targetHead: head,
                sourceEmbedding: source.embedding, tokenizer: tokenizer, dtype: dtype,
                sourceTokenizerJSON: source.tokenizerJSON, shardReuse: shardReuse,
                extraFiles: [(CheckpointLayout.tokenMapping, mappingBytes)] + cardFiles, prior: hydraPrior,
                lexicon: hydraLexicon)
            return nil
        }
        let roles = source.config.roles
        var replacements: [String: (shape: [Int], values: [Float])] = [
            roles.embedding: ([embedding.rows, embedding.columns], embedding.values)
        ]
        if let head, let name = roles.head { replacements[name] = ([head.rows, head.columns], head.values) }
        for name in roles.headBiases {
            guard let bias = headBiases[name] else {
                throw TransferError.shapeMismatch("no new values for the vocabulary-sized bias \(name)")
            }
            replacements[name] = ([bias.rows], bias.values)
        }
        var writer = HFModelDirectoryWriter(outputDType: dtype, maxShardBytes: maxShardBytes)
        writer.shardReuse = shardReuse
        return try writer.write(
            to: output, config: source.config, tokenizer: tokenizer, source: source.tensors,
            replacements: replacements,
            extraFiles: [
                (CheckpointLayout.tokenMapping, mappingBytes), (CheckpointLayout.sourceTokenizer, sourceTokenizer),
            ] + cardFiles)
    }
}
