/// The model families transtok can transfer: a Hugging Face `model_type` (or GGUF `general.architecture`) and where
/// its token-embedding table, output head and vocabulary-sized head biases live. Trans-tokenization replaces only
/// those tables; every other tensor passes through unchanged, so any architecture whose tables are identified here
/// can be transferred. Anything else is refused by name (`ModelValidation`).
public struct ModelArchitecture: Sendable, Equatable {
    public enum Kind: String, Sendable { case decoder, encoder }

    /// `model_type` as in `config.json`.
    public let modelType: String
    public let kind: Kind
    /// Candidate names of the token-embedding table, `[vocab, hidden]` (the first present is used).
    public let embeddingTensors: [String]
    /// Candidate names of an untied output head, `[vocab, hidden]`.
    public let headTensors: [String]
    /// Vocabulary-sized output biases, `[vocab]` (masked-LM heads), remapped like one-column tables.
    public let headBiasTensors: [String]
    /// `tie_word_embeddings` when `config.json` does not say (transformers' default for the family).
    public let tiedByDefault: Bool

    static func decoder(_ type: String, tied: Bool = false) -> ModelArchitecture {
        ModelArchitecture(
            modelType: type, kind: .decoder, embeddingTensors: [CheckpointLayout.embeddingTensor],
            headTensors: [CheckpointLayout.headTensor], headBiasTensors: [], tiedByDefault: tied)
    }

    static func encoder(_ type: String, prefix: String, embedding: String, head: String, biases: [String])
        -> ModelArchitecture
    {
        ModelArchitecture(
            modelType: type, kind: .encoder,
            embeddingTensors: ["\(prefix).\(embedding)", embedding],
            headTensors: [head], headBiasTensors: biases, tiedByDefault: true)
    }

    /// Every supported `model_type`. Decoders: the Llama layout (`model.embed_tokens.weight`, `lm_head.weight`).
    /// Encoders: BERT (`bert.embeddings.word_embeddings.weight`, masked-LM `cls.predictions.decoder.weight` and
    /// `cls.predictions.bias`), RoBERTa/XLM-R/CamemBERT (`roberta.…`, `lm_head.decoder.weight`, `lm_head.bias`),
    /// ModernBERT (`model.embeddings.tok_embeddings.weight`, `decoder.weight`, `decoder.bias`); a bare encoder
    /// (`BertModel`) stores its tables without the prefix.
    public static let all: [ModelArchitecture] = [
        .decoder("llama"), .decoder("mistral"), .decoder("qwen2"), .decoder("phi3"),
        .decoder("gemma", tied: true), .decoder("gemma2", tied: true), .decoder("gemma3_text", tied: true),
        .encoder(
            "bert", prefix: "bert", embedding: "embeddings.word_embeddings.weight",
            head: "cls.predictions.decoder.weight", biases: ["cls.predictions.bias", "cls.predictions.decoder.bias"]),
        .encoder(
            "roberta", prefix: "roberta", embedding: "embeddings.word_embeddings.weight",
            head: "lm_head.decoder.weight", biases: ["lm_head.bias", "lm_head.decoder.bias"]),
        .encoder(
            "xlm-roberta", prefix: "roberta", embedding: "embeddings.word_embeddings.weight",
            head: "lm_head.decoder.weight", biases: ["lm_head.bias", "lm_head.decoder.bias"]),
        .encoder(
            "camembert", prefix: "roberta", embedding: "embeddings.word_embeddings.weight",
            head: "lm_head.decoder.weight", biases: ["lm_head.bias", "lm_head.decoder.bias"]),
        .encoder(
            "modernbert", prefix: "model", embedding: "embeddings.tok_embeddings.weight",
            head: "decoder.weight", biases: ["decoder.bias"]),
    ]

    public static func named(_ modelType: String) -> ModelArchitecture? { all.first { $0.modelType == modelType } }

    public static var supportedNames: String { all.map(\.modelType).joined(separator: ", ") }
}

/// Where one model's replaced tables are: resolved against its tensor file.
public struct TensorRoles: Sendable, Equatable {
    public var embedding: String
    /// The untied output head, nil when the model has none (tied, or an encoder without a masked-LM head).
    public var head: String?
    /// Vocabulary-sized biases present in the file.
    public var headBiases: [String]

    public init(embedding: String, head: String?, headBiases: [String] = []) {
        self.embedding = embedding
        self.head = head
        self.headBiases = headBiases
    }

    /// Every tensor a transfer replaces.
    public var all: [String] { [embedding] + (head.map { [$0] } ?? []) + headBiases }
}
