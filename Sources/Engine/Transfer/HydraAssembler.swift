/// Hydra assembly (§3): one body, two vocabularies. The input table is `[E_tgt ; E_src]` — target ids first (the
/// LM head emits them and generation feeds them back), source-tokenizer ids enter offset by `|V_tgt|`. The output
/// head holds only the target rows `U_tgt` (for tied source models, `U_tgt = E_tgt`).
public struct HydraModel: Sendable {
    public let inputEmbedding: EmbeddingMatrix
    public let outputHead: EmbeddingMatrix
    public let config: HydraConfig

    /// Input id of a source-tokenizer id.
    public func inputID(forSourceID id: Int) -> Int { id + config.sourceIDOffset }
}

/// Keys written into `config.json`, matching the published Tweety Hydra configs (`LlamaHydraForCausalLM`,
/// `input_vocab_size`, `output_vocab_size`) plus the explicit offset transtok's runtime reads.
public struct HydraConfig: Sendable, Equatable, Codable {
    public var architectures = ["LlamaHydraForCausalLM"]
    public var modelType = "llama_hydra"
    public var inputVocabSize: Int
    public var outputVocabSize: Int
    public var vocabSize: Int
    public var tieWordEmbeddings = false
    /// Source-tokenizer ids are shifted by this (= target vocabulary size).
    public var sourceIDOffset: Int

    /// `config.json` key of the parallel text's target tokens per source byte (`HydraPrior`), when written.
    public static let targetTokensPerSourceByteKey = "hydra_target_tokens_per_source_byte"

    enum CodingKeys: String, CodingKey {
        case architectures
        case modelType = "model_type"
        case inputVocabSize = "input_vocab_size"
        case outputVocabSize = "output_vocab_size"
        case vocabSize = "vocab_size"
        case tieWordEmbeddings = "tie_word_embeddings"
        case sourceIDOffset = "hydra_source_offset"
    }
}

public enum HydraAssembler {
    /// Standard tensor names of the assembled model.
    public static let inputTensorName = CheckpointLayout.embeddingTensor
    public static let outputTensorName = CheckpointLayout.headTensor
    /// The head's bias: the target tokens' log-prior (`HydraPrior`), when written.
    public static let outputBiasName = CheckpointLayout.headBiasTensor

    public static func assemble(
        targetEmbedding: EmbeddingMatrix, sourceEmbedding: EmbeddingMatrix,
        targetHead: EmbeddingMatrix? = nil
    ) throws(TransferError) -> HydraModel {
        let head = targetHead ?? targetEmbedding
        guard head.rows == targetEmbedding.rows, head.columns == targetEmbedding.columns else {
            throw .shapeMismatch(
                "target head \(head.rows) × \(head.columns) vs embedding \(targetEmbedding.rows) × \(targetEmbedding.columns)"
            )
        }
        let input = try targetEmbedding.stacked(on: sourceEmbedding)
        let config = HydraConfig(
            inputVocabSize: input.rows, outputVocabSize: targetEmbedding.rows,
            vocabSize: targetEmbedding.rows, sourceIDOffset: targetEmbedding.rows)
        return HydraModel(inputEmbedding: input, outputHead: head, config: config)
    }
}
