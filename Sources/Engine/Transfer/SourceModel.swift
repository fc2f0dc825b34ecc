import Entities
import Foundation

/// The source model's tensors, config, tokenizer and the tables a transfer replaces (token embedding, untied output
/// head, vocabulary-sized head biases), opened and checked by `ModelValidation` (any supported architecture,
/// decoders and encoders).
public struct SourceModel: @unchecked Sendable {
    public let path: String
    public let tensors: any TensorFile
    public let config: ModelConfig
    public let tokenizer: Tokenizer
    public let tokenizerJSON: String
    public let embedding: EmbeddingMatrix
    /// The untied output head, nil when tied or absent.
    public let head: EmbeddingMatrix?
    /// Vocabulary-sized biases (`[vocab]` as one-column tables), by tensor name.
    public let headBiases: [String: EmbeddingMatrix]

    public init(path: String) throws {
        let opened = try ModelValidation.open(path: path)
        self.path = path
        let file = opened.tensors, roles = opened.config.roles
        tensors = file
        config = opened.config
        let json = try opened.tokenizerJSON()
        tokenizerJSON = json
        tokenizer = try Tokenizer(data: Array(json.utf8))
        embedding = try Self.matrix(file, roles.embedding)
        head = try roles.head.map { try Self.matrix(file, $0) }
        var biases: [String: EmbeddingMatrix] = [:]
        for name in roles.headBiases {
            let values = try file.float32(name)
            biases[name] = try EmbeddingMatrix(rows: values.count, columns: 1, values: values)
        }
        headBiases = biases
    }

    /// The dtype `--dtype auto` resolves to for this model.
    public func outputDType(_ choice: OutputDType) -> TensorDType {
        choice.resolve(source: tensors, embedding: config.roles.embedding)
    }

    public static func matrix(_ tensors: any TensorFile, _ name: String) throws -> EmbeddingMatrix {
        guard let info = tensors.info(name), info.shape.count == 2 else {
            throw TransferError.shapeMismatch("the model has no 2-D tensor \(name)")
        }
        return try EmbeddingMatrix(rows: info.shape[0], columns: info.shape[1], values: try tensors.float32(name))
    }
}

extension HFTokenizerBundle {
    /// The target tokenizer.json (and its configs when they sit beside it; a generic `tokenizer_config.json` naming
    /// `PreTrainedTokenizerFast` and the special tokens when there is none) with the ids of its special tokens.
    public init(targetTokenizer path: String, tokenizer: Tokenizer) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        var files: [(String, [UInt8])] = [
            (CheckpointLayout.tokenizer, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        ]
        for name in [CheckpointLayout.tokenizerConfig, CheckpointLayout.specialTokensMap] {
            let url = dir.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) {
                files.append((name, [UInt8](try Data(contentsOf: url))))
            }
        }
        let roles = tokenizer.specialTokenIDs
        if !files.contains(where: { $0.0 == CheckpointLayout.tokenizerConfig }) {
            // Without one, transformers picks the tokenizer class from the model type (e.g. BertTokenizerFast) and adds
            // that family's default special tokens beyond the embedding; name the generic fast class and our specials.
            var config: [(String, JSONValue)] = [("tokenizer_class", .string("PreTrainedTokenizerFast"))]
            for role in SpecialTokenRole.allCases {
                if let id = roles[role], let piece = tokenizer.piece(for: id) {
                    config.append(("\(role.rawValue)_token", .string(piece)))
                }
            }
            files.append(
                (CheckpointLayout.tokenizerConfig, Array((JSONValue.object(config).serialized(indent: 2) + "\n").utf8)))
        }
        self.init(
            files: files, vocabularySize: tokenizer.vocabularySize, bosTokenID: roles[.bos], eosTokenID: roles[.eos],
            padTokenID: roles[.pad])
    }
}
