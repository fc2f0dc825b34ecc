import ArgumentParser
import Engine
import Foundation
import Systems

/// `transtok convert --model FILE.gguf --output DIR`: a GGUF (or safetensors) Llama model as a Hugging Face
/// model directory (dequantised, q/k un-permuted, tokenizer rebuilt from the GGUF metadata).
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract:
            "Convert a GGUF (llama, qwen2, gemma, gemma2, gemma3, phi3) into a Hugging Face model directory (config, safetensors, tokenizer)."
    )

    @Option(
        name: .long,
        help: ArgumentHelp("Input model: a .gguf file (\(GGUFArchitecture.supportedNames)).", valueName: "file.gguf"),
        transform: GGUFPath.checked)
    var model: String

    @Option(name: .long, help: "Output directory (written atomically; an existing one is replaced).")
    var output: String

    @Option(
        name: .long, help: "Output dtype of the float tensors (auto: the GGUF's F32/F16, BF16 for a quantised GGUF).")
    var dtype: OutputDType = .auto

    @Option(name: .long, help: "Maximum shard size in bytes (default 5 GB).")
    var maxShardBytes: Int = 5_000_000_000

    @Flag(
        name: .long,
        help: "Write only the tokenizer files (tokenizer.json, tokenizer_config.json, special_tokens_map.json).")
    var tokenizerOnly = false

    func run() async throws {
        let start = Date()
        let gguf = try GGUFFile(path: model)
        if tokenizerOnly {
            let t = try GGUFTokenizerExport.export(gguf)
            for w in t.warnings { print("warning: \(w)") }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for (name, bytes) in HFTokenizerBundle(t).files {
                try DurableFile.write(bytes, to: URL(fileURLWithPath: output).appendingPathComponent(name).path)
            }
            print("wrote the tokenizer (\(t.vocabularySize) tokens) to \(output)")
            return
        }
        let tensors = try GGUFLlamaTensors(gguf)
        let out = dtype.resolve(source: tensors, embedding: CheckpointLayout.embeddingTensor)
        let tokenizer = try GGUFTokenizerExport.export(gguf)
        for w in tokenizer.warnings { print("warning: \(w)") }
        var writer = HFModelDirectoryWriter(outputDType: out, maxShardBytes: maxShardBytes)
        writer.linkUnchangedShards = false
        let report = try writer.write(
            to: URL(fileURLWithPath: output),
            config: try tensors.modelConfig(),
            tokenizer: HFTokenizerBundle(tokenizer), source: tensors)
        if !tensors.skippedTensors.isEmpty {
            print("not written (no Hugging Face counterpart): \(tensors.skippedTensors.joined(separator: ", "))")
        }
        if tensors.skippedTensors.contains("rope_freqs.weight") {
            print(
                "warning: rope_freqs.weight holds Llama-3-style rope scaling factors, which GGUF does not describe "
                    + "by parameters; config.json has no such rope_scaling: copy it from the original model's config")
        }
        print(
            "wrote \(report.tensorCount) tensors to \(output) as \(out.rawValue): \(report.files.joined(separator: ", "))"
        )
        print(String(format: "took %.2f s", Date().timeIntervalSince(start)))
    }
}

/// `convert --model`: checked while parsing, so a wrong file says what is accepted next to the command's own usage.
enum GGUFPath {
    static func checked(_ path: String) throws -> String {
        guard path.lowercased().hasSuffix(".gguf") else {
            let what =
                path.lowercased().hasSuffix(".safetensors") || path.hasSuffix("/")
                ? "a Hugging Face model" : "not a GGUF file"
            throw ValidationError(
                "\(what); allowed: a .gguf file (architectures \(GGUFArchitecture.supportedNames)). A Hugging Face directory needs no conversion: pass it to transfer, generate or workspace create as it is"
            )
        }
        return path
    }
}
