import Foundation

/// A Llama-family model opened from either a GGUF file or a Hugging Face directory: its hyper-parameters and
/// its tensors under Hugging Face names (`model.layers.N.self_attn.q_proj.weight`, …) in HF layout.
public struct LlamaCheckpoint: Sendable {
    public let path: String
    public let config: LlamaConfig
    /// HF-named tensors: `GGUFLlamaTensors` for a GGUF, `SafetensorsFile`/`ShardedSafetensors` for a directory.
    public let tensors: any TensorFile
    /// The GGUF itself when the model came from one (for its embedded tokenizer).
    public let gguf: GGUFFile?

    /// `path`: a `.gguf` file, or a directory with `config.json` and `model.safetensors[.index.json]`.
    public init(path: String) throws {
        self.path = path
        if path.hasSuffix(".gguf") {
            let g = try GGUFFile(path: path)
            let t = try GGUFLlamaTensors(g)
            config = t.config
            tensors = t
            gguf = g
        } else {
            config = try LlamaConfig(
                contentsOf: URL(fileURLWithPath: path).appendingPathComponent(CheckpointLayout.config))
            tensors = try TensorFiles.open(path: path)
            gguf = nil
        }
        guard let emb = tensors.info(CheckpointLayout.embeddingTensor),
            emb.shape == [emb.shape.first ?? 0, config.hiddenSize]
        else {
            throw ModelFileError.invalidConfig(
                "\(path): model.embed_tokens.weight is missing or not [vocab, \(config.hiddenSize)]")
        }
        if !config.tieWordEmbeddings, tensors.info(CheckpointLayout.headTensor)?.shape != emb.shape {
            throw ModelFileError.invalidConfig(
                "\(path): untied model without an lm_head.weight shaped like the embedding")
        }
    }

    /// The output (LM head) matrix name: `lm_head.weight`, or the embedding when tied.
    public var outputEmbeddingName: String {
        config.tieWordEmbeddings && tensors.info(CheckpointLayout.headTensor) == nil
            ? CheckpointLayout.embeddingTensor : CheckpointLayout.headTensor
    }
}
