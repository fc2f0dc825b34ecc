import ArgumentParser
import Engine
import Entities
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

    @OptionGroup var global: GlobalOptions

    /// `--json`: what was written.
    struct Summary: Encodable {
        var output: String
        var dtype: String?
        var tensors: Int?
        var files: [String]
        var skippedTensors: [String]
        var warnings: [String]
        var seconds: Double
    }

    func run() async throws {
        let start = Date()
        let progress = ProgressDisplay(label: "convert", style: .detect(quiet: global.quiet || global.json))
        defer { progress.finish() }
        var notes: [String] = []
        func finish(_ summary: Summary, _ lines: [String]) throws {
            if !global.json { for note in notes { printError(note) } }
            try global.output(summary) { lines.joined(separator: "\n") }
        }
        progress.step("reading \((model as NSString).lastPathComponent)", index: 0, of: 3)
        let gguf = try GGUFFile(path: model)
        if tokenizerOnly {
            let t = try GGUFTokenizerExport.export(gguf)
            notes += t.warnings.map { "warning: \($0)" }
            progress.step("writing the tokenizer", index: 2, of: 3)
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for (name, bytes) in HFTokenizerBundle(t).files {
                try DurableFile.write(bytes, to: URL(fileURLWithPath: output).appendingPathComponent(name).path)
            }
            progress.finish()
            let files = HFTokenizerBundle(t).files.map { $0.0 }
            try finish(
                Summary(
                    output: absolutePath(output), dtype: nil, tensors: nil, files: files, skippedTensors: [],
                    warnings: t.warnings, seconds: Date().timeIntervalSince(start)),
                ["wrote the tokenizer (\(t.vocabularySize) tokens) to \(output)"])
            return
        }
        let tensors = try GGUFLlamaTensors(gguf)
        let out = dtype.resolve(source: tensors, embedding: CheckpointLayout.embeddingTensor)
        progress.step("rebuilding the tokenizer", index: 1, of: 3)
        let tokenizer = try GGUFTokenizerExport.export(gguf)
        notes += tokenizer.warnings.map { "warning: \($0)" }
        progress.step("writing \(tensors.config.numHiddenLayers) layers as \(out.rawValue)", index: 2, of: 3)
        var writer = HFModelDirectoryWriter(outputDType: out, maxShardBytes: maxShardBytes)
        writer.linkUnchangedShards = false
        let report = try writer.write(
            to: URL(fileURLWithPath: output),
            config: try tensors.modelConfig(),
            tokenizer: HFTokenizerBundle(tokenizer), source: tensors)
        progress.finish()
        if tensors.skippedTensors.contains("rope_freqs.weight") {
            notes.append(
                "warning: rope_freqs.weight holds Llama-3-style rope scaling factors, which GGUF does not describe "
                    + "by parameters; config.json has no such rope_scaling: copy it from the original model's config")
        }
        let seconds = Date().timeIntervalSince(start)
        var lines: [String] = []
        if !tensors.skippedTensors.isEmpty {
            lines.append("not written (no Hugging Face counterpart): \(tensors.skippedTensors.joined(separator: ", "))")
        }
        lines.append(
            "wrote \(report.tensorCount) tensors to \(output) as \(out.rawValue): \(report.files.joined(separator: ", "))"
        )
        lines.append(String(format: "took %.2f s", seconds))
        try finish(
            Summary(
                output: absolutePath(output), dtype: out.rawValue, tensors: report.tensorCount, files: report.files,
                skippedTensors: tensors.skippedTensors, warnings: notes.map { String($0.dropFirst("warning: ".count)) },
                seconds: seconds),
            lines)
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
