import Foundation

/// A loaded model plus what the file says about chatting with it.
public struct LoadedModel: Sendable {
    public let model: LlamaModel
    /// The Jinja chat template stored with the model (GGUF `tokenizer.chat_template`, or `tokenizer_config.json`).
    public let chatTemplateSource: String?
    /// Where it came from.
    public let path: String
}

/// Opens models for the runtime: a llama.cpp GGUF file (Llama architecture; any quantisation the reader
/// dequantises).
public enum ModelLoader {
    public static func load(path: String) throws -> LoadedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuntimeError.invalidConfig("no model at \(path)")
        }
        if isDirectory.boolValue {
            throw RuntimeError.invalidConfig("\(path) is a directory; Hugging Face directories load once the safetensors reader is merged")
        }
        return try loadGGUF(path)
    }

    public static func loadGGUF(_ path: String) throws -> LoadedModel {
        let file = try GGUFFile(path: path)
        let tensors = try GGUFLlamaTensors(file)
        // llama.cpp stores llama3 rope scaling as per-frequency divisors rather than metadata.
        let divisors = file.info("rope_freqs.weight") != nil ? try file.float32("rope_freqs.weight") : nil
        let config = try DecoderConfig(tensors.config, ropeFrequencyDivisors: divisors)
        let model = try LlamaModel(config: config, weights: TensorFileWeights(gguf: tensors))
        return LoadedModel(model: model, chatTemplateSource: file["tokenizer.chat_template"]?.string, path: path)
    }
}
