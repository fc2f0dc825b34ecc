import Entities
import Foundation
import Systems

/// What `ModelValidation.check` found in a model: enough to accept a workspace or a transfer before any work.
public struct ModelSummary: Sendable, Equatable {
    public var path: String
    /// `model_type` (HF) or the GGUF architecture.
    public var architecture: String
    public var kind: ModelArchitecture.Kind
    public var roles: TensorRoles
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var tieWordEmbeddings: Bool
    /// The dtype `--dtype auto` writes for this model.
    public var autoDType: TensorDType
    public var tensorCount: Int
}

/// Opens and checks a source model: a `.gguf` file or a Hugging Face directory (`config.json`, safetensors, a
/// `tokenizer.json`). Refuses, naming the file and what is wrong: an unsupported architecture, a missing or
/// truncated shard, an index entry without its tensor, a replaced table whose shape disagrees with `config.json`,
/// an unknown GGUF quantisation. Reads headers only (no tensor data).
public enum ModelValidation {
    /// The daemon calls this when a workspace is created or updated; `transfer` through `SourceModel`.
    public static func check(path: String) throws -> ModelSummary {
        let opened = try open(path: path)
        return ModelSummary(
            path: path, architecture: opened.config.architecture.modelType, kind: opened.config.architecture.kind,
            roles: opened.config.roles, vocabularySize: opened.config.vocabSize, hiddenSize: opened.config.hiddenSize,
            tieWordEmbeddings: opened.config.tieWordEmbeddings,
            autoDType: OutputDType.auto.resolve(source: opened.tensors, embedding: opened.config.roles.embedding),
            tensorCount: opened.tensors.tensorNames.count)
    }

    struct Opened {
        var tensors: any TensorFile
        var config: ModelConfig
        /// The model's tokenizer.json text.
        var tokenizerJSON: () throws -> String
    }

    static func open(path: String) throws -> Opened {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.cannotOpen(path: path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            guard path.hasSuffix(".gguf") else {
                throw ModelFileError.cannotOpen(
                    path: path, reason: "a model is a .gguf file or a Hugging Face directory")
            }
            let gguf = try GGUFFile(path: path)
            let tensors = try GGUFLlamaTensors(gguf)
            guard gguf["tokenizer.ggml.tokens"] != nil else {
                throw ModelFileError.invalidHeader(path: path, reason: "no embedded tokenizer (tokenizer.ggml.tokens)")
            }
            let config = try tensors.modelConfig()
            try ModelConfig.checkShape(
                tensors, config.roles.embedding, [config.vocabSize, config.hiddenSize], path: path)
            if let head = config.roles.head {
                try ModelConfig.checkShape(tensors, head, [config.vocabSize, config.hiddenSize], path: path)
            }
            return Opened(tensors: tensors, config: config) {
                try GGUFTokenizerExport.export(gguf).tokenizerJSON.serialized(indent: 2)
            }
        }
        let dir = URL(fileURLWithPath: path)
        let tensors = try TensorFiles.open(path: path)
        let config = try ModelConfig(directory: dir, tensors: tensors)
        if let llama = config.llama { try LlamaShapeCheck.check(tensors, llama, path: path) }
        let tokenizerURL = CheckpointLayout.url(CheckpointLayout.tokenizer, in: dir)
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ModelFileError.cannotOpen(path: tokenizerURL.path, reason: "no tokenizer.json beside the model")
        }
        return Opened(tensors: tensors, config: config) {
            do { return try String(contentsOf: tokenizerURL, encoding: .utf8) } catch {
                throw ModelFileError.cannotOpen(
                    path: tokenizerURL.path, reason: FileErrorText.reason(error, path: tokenizerURL.path))
            }
        }
    }
}
