import Foundation

/// The source model's tensors, config, tokenizer and embedding/head tables.
public struct SourceModel: @unchecked Sendable {
    public let tensors: any TensorFile
    public let config: LlamaConfig
    public let tokenizer: Tokenizer
    public let tokenizerJSON: String
    public let embedding: EmbeddingMatrix
    public let head: EmbeddingMatrix?

    public init(path: String) throws {
        if path.hasSuffix(".gguf") {
            let gguf = try GGUFFile(path: path)
            let llama = try GGUFLlamaTensors(gguf)
            tensors = llama
            config = llama.config
            tokenizerJSON = try GGUFTokenizerExport.export(gguf).tokenizerJSON.serialized(indent: 2)
        } else {
            let dir = URL(fileURLWithPath: path)
            tensors = try TensorFiles.open(path: path)
            config = try LlamaConfig(contentsOf: dir.appendingPathComponent("config.json"))
            tokenizerJSON = try String(contentsOf: dir.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        }
        tokenizer = try Tokenizer(data: Array(tokenizerJSON.utf8))
        let file = tensors
        embedding = try Self.matrix(file, "model.embed_tokens.weight")
        head = config.tieWordEmbeddings || file.info("lm_head.weight") == nil ? nil : try Self.matrix(file, "lm_head.weight")
    }

    public static func matrix(_ tensors: any TensorFile, _ name: String) throws -> EmbeddingMatrix {
        guard let info = tensors.info(name), info.shape.count == 2 else { throw TransferError.shapeMismatch("the model has no 2-D tensor \(name)") }
        return try EmbeddingMatrix(rows: info.shape[0], columns: info.shape[1], values: try tensors.float32(name))
    }
}

extension HFTokenizerBundle {
    /// The target tokenizer.json (and its configs when they sit beside it) with the ids of its special tokens.
    public init(targetTokenizer path: String, tokenizer: Tokenizer) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        var files: [(String, [UInt8])] = [("tokenizer.json", [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))]
        for name in ["tokenizer_config.json", "special_tokens_map.json"] {
            let url = dir.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { files.append((name, [UInt8](try Data(contentsOf: url)))) }
        }
        let roles = tokenizer.specialTokenIDs
        self.init(files: files, vocabularySize: tokenizer.vocabularySize, bosTokenID: roles[.bos], eosTokenID: roles[.eos], padTokenID: roles[.pad])
    }
}

