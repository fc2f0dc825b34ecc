import Foundation
import Systems

/// Every file and tensor name of a model directory that transtok writes or reads: `transtok transfer` output, a
/// daemon checkpoint, a Hydra directory, a workspace's base weights. Writers and readers name files only through
/// this type, so what one writes is where the other looks.
///
/// ```
/// DIR/config.json                       HF config (the source's, with vocab size, special ids and tie flag updated)
/// DIR/generation_config.json            bos/eos/pad of the new tokenizer
/// DIR/tokenizer.json (+ configs)        the target tokenizer
/// DIR/source_tokenizer/tokenizer.json   the source model's tokenizer (Hydra prompts, `mapping show`)
/// DIR/token_mapping.json                target token → weighted source tokens
/// DIR/hydra_lexicon.tsv                 Hydra directories: the aligner's word translations (`HydraLexicon`)
/// DIR/model.safetensors                 all tensors, or
/// DIR/model.safetensors.index.json      + shards: reused source shards, `model-transtok*.safetensors` (changed tensors)
/// DIR/README.md                         model card (`ModelCard`): Hugging Face front matter, how to load it
/// DIR/manifest.json                     daemon checkpoints only, written last
/// DIR/transfer_report.txt               `transtok transfer` only
/// ```
public enum CheckpointLayout {
    // MARK: files

    public static let config = "config.json"
    public static let generationConfig = "generation_config.json"
    public static let tokenizer = "tokenizer.json"
    public static let tokenizerConfig = "tokenizer_config.json"
    public static let specialTokensMap = "special_tokens_map.json"
    public static let chatTemplate = "chat_template.jinja"
    /// Tokenizer files copied along with a tokenizer (those present).
    public static let tokenizerFiles = [
        tokenizer, tokenizerConfig, specialTokensMap, "tokenizer.model", "vocab.json",
        "merges.txt", "vocab.txt", "added_tokens.json", chatTemplate,
    ]

    public static let sourceTokenizerDirectory = "source_tokenizer"
    public static let sourceTokenizer = sourceTokenizerDirectory + "/" + tokenizer
    public static let sourceTokenizerConfig = sourceTokenizerDirectory + "/" + tokenizerConfig
    public static let sourceChatTemplate = sourceTokenizerDirectory + "/" + chatTemplate
    /// Where daemon checkpoints before the layout existed put the source tokenizer (read, never written).
    public static let legacySourceTokenizer = "source_tokenizer.json"

    public static let tokenMapping = "token_mapping.json"
    /// Hydra directories: the word translations source-paced decoding chooses among (`HydraLexicon`).
    public static let hydraLexicon = "hydra_lexicon.tsv"
    public static let transferReport = "transfer_report.txt"
    /// The model card (`ModelCard`), as the Hugging Face Hub reads it.
    public static let modelCard = "README.md"
    /// Daemon checkpoints: written last, lists every other file with its digest.
    public static let manifest = "manifest.json"

    // MARK: weights

    /// Base name of an output's weights: `model.safetensors` or `model-0000k-of-0000n.safetensors` + index.
    public static let weightsBaseName = "model"
    /// Base name of the shards holding the tensors a transfer changed, beside reused source shards.
    public static let changedWeightsBaseName = "model-transtok"
    /// Base name of a workspace's base weights (the body converted or split once per workspace).
    public static let baseWeightsBaseName = "model-base"

    public static var weights: String { singleFileName(baseName: weightsBaseName) }
    public static var weightIndex: String { indexFileName(baseName: weightsBaseName) }

    public static func singleFileName(baseName: String) -> String { "\(baseName).safetensors" }
    public static func indexFileName(baseName: String) -> String { "\(baseName).safetensors.index.json" }
    /// HF shard naming: `model-00002-of-00005.safetensors`.
    public static func shardFileName(baseName: String, index: Int, count: Int) -> String {
        "\(baseName)-\(pad(index))-of-\(pad(count)).safetensors"
    }

    private static func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }

    // MARK: tensors

    /// Token-embedding and LM-head tensor names of Llama-family decoders (Llama, Mistral, Qwen2, Gemma, Phi-3) in
    /// Hugging Face checkpoints; other architectures name theirs in `ModelArchitecture.tensorRoles`.
    public static let embeddingTensor = "model.embed_tokens.weight"
    public static let headTensor = "lm_head.weight"
    /// The LM head's bias, when there is one (a Hydra directory's target log-prior, `HydraPrior`).
    public static let headBiasTensor = "lm_head.bias"
    /// The same three in llama.cpp GGUF files.
    public static let ggufEmbeddingTensor = "token_embd.weight"
    public static let ggufHeadTensor = "output.weight"
    public static let ggufHeadBiasTensor = "output.bias"

    // MARK: helpers

    public static func url(_ name: String, in directory: URL) -> URL { directory.appendingPathComponent(name) }

    /// The source tokenizer of a directory: `source_tokenizer/tokenizer.json`, or the legacy root file of older daemon
    /// checkpoints; nil when there is neither.
    public static func sourceTokenizerURL(in directory: URL) -> URL? {
        for name in [sourceTokenizer, legacySourceTokenizer] {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// Writes the source tokenizer (`tokenizer.json` text) to `source_tokenizer/tokenizer.json` in `directory`,
    /// atomically and durably.
    public static func writeSourceTokenizer(json: String, into directory: URL) throws {
        let sub = directory.appendingPathComponent(sourceTokenizerDirectory)
        do { try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true) } catch {
            throw ModelFileError.io(path: sub.path, reason: "cannot create: \(FileErrorText.reason(error))")
        }
        let text = json.hasSuffix("\n") ? json : json + "\n"
        try AtomicFile.write(Array(text.utf8), to: directory.appendingPathComponent(sourceTokenizer).path)
        try AtomicFile.syncDirectory(sub.path)
    }
}
