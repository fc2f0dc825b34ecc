import Foundation
import Systems

/// A model's Hugging Face `config.json`, kept as read so that an output passes it through: a transfer changes only
/// the vocabulary size, the special-token ids, the tie flag (Hydra) and the stored dtype. Also the facts a transfer
/// needs: the architecture, where the replaced tables are, the hidden size and whether the head is tied.
public struct ModelConfig: Sendable {
    /// The source `config.json` object (for a GGUF source: the equivalent HF config).
    public let json: JSONValue
    public let architecture: ModelArchitecture
    public let roles: TensorRoles
    public let hiddenSize: Int
    public let vocabSize: Int
    public let tieWordEmbeddings: Bool
    /// Llama-family hyper-parameters (llama, mistral, qwen2), nil for other architectures.
    public let llama: LlamaConfig?

    /// `config.json` of a Hugging Face directory checked against its tensors: a supported `model_type`, the
    /// embedding (and untied head) shaped `[vocab_size, hidden_size]`, a vocabulary-sized bias `[vocab_size]`.
    public init(json: JSONValue, tensors: any TensorFile, path: String) throws {
        func invalid(_ reason: String) -> ModelFileError { .invalidConfig("\(path): \(reason)") }
        guard json.object != nil else { throw invalid("config.json is not a JSON object") }
        guard let type = json["model_type"]?.string else { throw invalid("config.json has no model_type") }
        guard let architecture = ModelArchitecture.named(type) else {
            throw ModelFileError.unsupportedArchitecture(
                path: path, name: type, supported: ModelArchitecture.supportedNames)
        }
        guard let hidden = json["hidden_size"]?.int, hidden > 0 else {
            throw invalid("config.json: 'hidden_size' is missing or not a positive integer")
        }
        guard let vocab = json["vocab_size"]?.int, vocab > 0 else {
            throw invalid("config.json: 'vocab_size' is missing or not a positive integer")
        }
        guard let embedding = architecture.embeddingTensors.first(where: { tensors.info($0) != nil }) else {
            throw invalid(
                "no token-embedding tensor for model_type '\(type)' (looked for \(architecture.embeddingTensors.joined(separator: ", ")))"
            )
        }
        let tied = json["tie_word_embeddings"]?.bool ?? architecture.tiedByDefault
        let head = architecture.headTensors.first { tensors.info($0) != nil }
        if !tied, head == nil, architecture.kind == .decoder {
            throw invalid(
                "tie_word_embeddings is false but there is no \(architecture.headTensors.joined(separator: " or ")) tensor"
            )
        }
        try Self.checkShape(tensors, embedding, [vocab, hidden], path: path)
        if let head, !tied { try Self.checkShape(tensors, head, [vocab, hidden], path: path) }
        let biases = architecture.headBiasTensors.filter { tensors.info($0) != nil }
        for b in biases { try Self.checkShape(tensors, b, [vocab], path: path) }
        var llama: LlamaConfig?
        if LlamaConfig.llamaFamilyModelTypes.contains(type) {
            do { llama = try LlamaConfig(json: json) } catch let error as ModelFileError {
                if case .invalidConfig(let reason) = error { throw invalid(reason) }
                throw error
            }
        }
        self.json = json
        self.architecture = architecture
        roles = TensorRoles(embedding: embedding, head: tied ? nil : head, headBiases: biases)
        hiddenSize = hidden
        vocabSize = vocab
        tieWordEmbeddings = tied
        self.llama = llama
    }

    /// From Llama-family hyper-parameters (a GGUF's metadata, or code that builds a config): the equivalent HF config.
    public init(llama: LlamaConfig, modelType: String = "llama") {
        var json = llama.huggingFaceJSON(torchDType: "float32")
        var modelType = modelType
        // A Llama-layout GGUF with a sliding window is a Mistral (transformers' Llama ignores `sliding_window`).
        if modelType == "llama", llama.slidingWindow != nil { modelType = "mistral" }
        if modelType == "qwen2" || modelType == "mistral" {
            json.set("model_type", .string(modelType))
            json.set(
                "architectures", .array([.string(modelType == "qwen2" ? "Qwen2ForCausalLM" : "MistralForCausalLM")]))
        }
        self.json = json
        architecture = ModelArchitecture.named(modelType) ?? .decoder(modelType)
        roles = TensorRoles(
            embedding: CheckpointLayout.embeddingTensor,
            head: llama.tieWordEmbeddings ? nil : CheckpointLayout.headTensor)
        hiddenSize = llama.hiddenSize
        vocabSize = llama.vocabSize
        tieWordEmbeddings = llama.tieWordEmbeddings
        self.llama = llama
    }

    /// The Llama-family hyper-parameters the runtime needs; an error naming the architecture for any other model.
    public func llamaConfig() throws -> LlamaConfig {
        guard let llama else {
            throw ModelFileError.invalidConfig(
                "model_type '\(architecture.modelType)' has no Llama-family hyper-parameters (\(LlamaConfig.llamaFamilyModelTypes.sorted().joined(separator: ", ")))"
            )
        }
        return llama
    }

    /// `config.json` of a directory (`tensors` are its weights).
    public init(directory: URL, tensors: any TensorFile) throws {
        let url = CheckpointLayout.url(CheckpointLayout.config, in: directory)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError.cannotOpen(path: url.path, reason: FileErrorText.reason(error, path: url.path))
        }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: [UInt8](data)) } catch {
            throw ModelFileError.invalidConfig("\(url.path): \(FileErrorText.reason(error))")
        }
        try self.init(json: json, tensors: tensors, path: url.path)
    }

    /// The output `config.json`: the source's, with `vocab_size`, the special-token ids of the new tokenizer, the
    /// tie flag (when given and different, or already present) and the stored dtype replaced; then `extra` keys.
    public func outputJSON(
        vocabSize: Int, tokenizer: HFTokenizerBundle, dtype: TensorDType, tie: Bool? = nil,
        extra: [(String, JSONValue)] = []
    ) -> JSONValue {
        var j = json
        j.set("vocab_size", .int(vocabSize))
        for (key, id) in [
            ("bos_token_id", tokenizer.bosTokenID), ("eos_token_id", tokenizer.eosTokenID),
            ("pad_token_id", tokenizer.padTokenID),
        ] {
            if let id { j.set(key, .int(id)) } else if j[key] != nil { j.set(key, .null) }
        }
        if let tie, tie != tieWordEmbeddings || j["tie_word_embeddings"] != nil {
            j.set("tie_word_embeddings", .bool(tie))
        }
        let torch = JSONValue.string(dtype.torchName)
        if j["dtype"] != nil { j.set("dtype", torch) }
        if j["torch_dtype"] != nil || j["dtype"] == nil { j.set("torch_dtype", torch) }
        for (k, v) in extra { j.set(k, v) }
        return j
    }

    static func checkShape(_ tensors: any TensorFile, _ name: String, _ expected: [Int], path: String) throws {
        guard let info = tensors.info(name) else { throw ModelFileError.tensorNotFound(name: name) }
        guard info.shape == expected else {
            throw ModelFileError.invalidConfig(
                "\(path): tensor '\(name)' has shape \(info.shape), config.json implies \(expected)")
        }
    }
}

extension TensorDType {
    /// The `torch_dtype` string of a float dtype.
    public var torchName: String {
        switch self {
        case .f16: "float16"
        case .bf16: "bfloat16"
        case .f64: "float64"
        default: "float32"
        }
    }
}
