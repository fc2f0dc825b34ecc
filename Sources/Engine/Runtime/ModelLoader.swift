import Foundation

/// A loaded model plus what its files say about text: tokenizer and chat format.
public struct LoadedModel: Sendable {
    public let model: LlamaModel
    /// The model's own tokenizer (the *target* tokenizer of a Hydra checkpoint), when its files have one.
    public let tokenizer: Tokenizer?
    /// Hydra checkpoints: the source model's tokenizer (`source_tokenizer/tokenizer.json` in the directory).
    public let sourceTokenizer: Tokenizer?
    /// The Jinja chat template stored with the model (GGUF `tokenizer.chat_template`, `tokenizer_config.json`).
    public let chatTemplateSource: String?
    public let path: String
    /// Hydra checkpoints: the aligner's word translations (`hydra_lexicon.tsv`), for source-paced decoding; nil
    /// when the directory has none (written by an earlier transtok, or not a Hydra directory).
    public var hydraLexicon: HydraLexicon? = nil

    /// The chat format recognised from `chatTemplateSource`.
    public var chatTemplate: ChatTemplate? { chatTemplateSource.flatMap(ChatTemplate.detect(jinja:)) }
}

/// Opens models for the runtime:
/// - a llama.cpp GGUF file (llama, qwen2, gemma, gemma2, gemma3, phi3; any quantisation the reader dequantises; tokenizer rebuilt from the
///   GGUF metadata);
/// - a Hugging Face directory: `config.json`, `model.safetensors` or `model.safetensors.index.json`,
///   `tokenizer.json`, `tokenizer_config.json` or `chat_template.jinja` (chat template); for Hydra checkpoints also
///   `source_tokenizer/tokenizer.json` (and optionally `source_tokenizer/tokenizer_config.json`).
public enum ModelLoader {
    public static func load(path: String) throws -> LoadedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuntimeError.invalidConfig("no model at \(path)")
        }
        return isDirectory.boolValue ? try loadDirectory(path) : try loadGGUF(path)
    }

    public static func loadGGUF(_ path: String) throws -> LoadedModel {
        let file = try GGUFFile(path: path)
        let tensors = try GGUFLlamaTensors(file)
        let config: DecoderConfig
        if tensors.architecture.isLlamaLayout {
            // llama.cpp stores llama3 rope scaling as per-frequency divisors rather than metadata.
            let divisors = file.info("rope_freqs.weight") != nil ? try file.float32("rope_freqs.weight") : nil
            config = try DecoderConfig(tensors.config, ropeFrequencyDivisors: divisors)
        } else {
            // Gemma 1/2/3, Phi-3: the HF config rebuilt from the metadata, read as any config.json is.
            let json = try tensors.modelConfig().json.serialized(indent: nil)
            guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
                throw RuntimeError.invalidConfig("\(path): the config rebuilt from the GGUF is not a JSON object")
            }
            config = try DecoderConfig(huggingFace: object)
        }
        let model = try LlamaModel(config: config, weights: TensorFileWeights(gguf: tensors))
        var tokenizer: Tokenizer?
        if file["tokenizer.ggml.tokens"] != nil {
            let exported = try GGUFTokenizerExport.export(file)
            tokenizer = try Tokenizer(data: Array(exported.tokenizerJSON.serialized(indent: nil).utf8))
        }
        return LoadedModel(
            model: model, tokenizer: tokenizer, sourceTokenizer: nil,
            chatTemplateSource: file["tokenizer.chat_template"]?.string, path: path)
    }

    public static func loadDirectory(_ path: String) throws -> LoadedModel {
        let dir = URL(fileURLWithPath: path)
        func file(_ name: String) -> URL? { existingFile(name, in: dir) }
        guard let configURL = file(CheckpointLayout.config) else {
            throw RuntimeError.invalidConfig("\(path) has no config.json")
        }
        let config = try DecoderConfig(huggingFaceConfig: configURL)
        let tensors: any TensorFile
        if let index = file(CheckpointLayout.weightIndex) {
            tensors = try ShardedSafetensors(indexPath: index.path)
        } else if let single = file(CheckpointLayout.weights) {
            tensors = try SafetensorsFile(path: single.path)
        } else {
            throw RuntimeError.invalidConfig("\(path) has neither model.safetensors nor model.safetensors.index.json")
        }
        let model = try LlamaModel(config: config, weights: TensorFileWeights(tensors))
        let tokenizer = try file(CheckpointLayout.tokenizer).map { try Tokenizer(contentsOf: $0) }
        let source = try CheckpointLayout.sourceTokenizerURL(in: dir).map { try Tokenizer(contentsOf: $0) }
        var lexicon: HydraLexicon?
        if let url = file(CheckpointLayout.hydraLexicon), let source, config.hydraSourceOffset != nil {
            let bytes: [UInt8]
            do { bytes = Array(try Data(contentsOf: url)) } catch {
                throw ModelFileError.cannotOpen(path: url.path, reason: error.localizedDescription)
            }
            lexicon = try HydraLexicon(
                tsv: bytes, path: url.path, sourceVocabularySize: source.vocabularySize,
                targetVocabularySize: config.outputVocabularySize)
        }
        return LoadedModel(
            model: model, tokenizer: tokenizer, sourceTokenizer: source,
            chatTemplateSource: directoryChatTemplate(dir), path: path, hydraLexicon: lexicon)
    }

    /// The chat template of a model (GGUF metadata, or a directory's files as `loadDirectory` reads them) without
    /// opening its weights; nil when it has none or it cannot be read.
    public static func chatTemplate(modelPath path: String) -> ChatTemplate? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        let source =
            isDirectory.boolValue
            ? directoryChatTemplate(URL(fileURLWithPath: path))
            : (try? GGUFFile(path: path))?["tokenizer.chat_template"]?.string
        return source.flatMap(ChatTemplate.detect(jinja:))
    }

    /// `dir/name` when that file exists.
    static func existingFile(_ name: String, in dir: URL) -> URL? {
        let url = dir.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// `tokenizer_config.json`, `chat_template.jinja`, then the same under `source_tokenizer/` (a Hydra checkpoint).
    static func directoryChatTemplate(_ dir: URL) -> String? {
        func file(_ name: String) -> URL? { existingFile(name, in: dir) }
        return chatTemplate(in: file(CheckpointLayout.tokenizerConfig))
            ?? file(CheckpointLayout.chatTemplate).flatMap { try? String(contentsOf: $0, encoding: .utf8) }
            ?? chatTemplate(in: file(CheckpointLayout.sourceTokenizerConfig))
            ?? file(CheckpointLayout.sourceChatTemplate).flatMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    /// `chat_template` of a `tokenizer_config.json` (a string, or the `default` entry of a list of named ones).
    static func chatTemplate(in url: URL?) -> String? {
        guard let url, let data = try? Data(contentsOf: url),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        if let s = json["chat_template"] as? String { return s }
        if let list = json["chat_template"] as? [[String: Any]] {
            return (list.first { $0["name"] as? String == "default" } ?? list.first)?["template"] as? String
        }
        return nil
    }
}
