import ArgumentParser
import Engine
import Foundation

/// `transtok generate --model PATH --prompt TEXT [--hydra [--hydra-prompt echo-repeated|echo|instruction] [--hydra-decoding source-paced|free] [--no-hydra-lexicon]] [--beams N] [--max-tokens N] [--decode-activations A]`: offline generation
/// (streamed to stdout) or, with `--hydra`, zero-shot translation with a Hydra checkpoint.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text (or translate with a Hydra checkpoint) on the CPU.")

    @Option(help: "Model: a .gguf file or a Hugging Face directory.") var model: String
    @Option(help: "Prompt text (with --hydra: the text to translate).") var prompt: String
    @Flag(help: "Translate with a Hydra checkpoint: the prompt goes through the source tokenizer and rows.") var hydra =
        false
    @Option(help: "Hydra: source language name used in the prompt.") var sourceLanguage = "English"
    @Option(help: "Hydra: target language name used in the prompt (the instruction prompt only).")
    var targetLanguage = "Target"
    @Option(
        help: ArgumentHelp(
            "Hydra: the prompt, echo-repeated (the echo request after one exchange that answered it exactly: the default), echo (ask the model to repeat the source text; the target head renders it in the target language) or instruction (ask it to translate)."
        ))
    var hydraPrompt: HydraPromptStyle = .echoRepeated
    @Option(
        help: ArgumentHelp(
            "Hydra: source-paced (the body reads the source text word by word and the target head renders each word: the default) or free (the body generates after the prompt, reading its own target tokens back; --beams > 1 is free)."
        ))
    var hydraDecoding: HydraDecoding = .sourcePaced
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Hydra, source-paced: choose each word among the aligner's translations of the source word (<model>/hydra_lexicon.tsv, when the directory has one and its own source tokenizer is used), the head breaking near-ties; with --no-hydra-lexicon the head alone renders every word."
        ))
    var hydraLexicon = true
    @Option(help: "Hydra: source tokenizer.json (default: <model>/source_tokenizer/tokenizer.json).")
    var sourceTokenizer: String?
    @Flag(inversion: .prefixedNo, help: "Wrap the prompt in the model's chat template.") var chat = true
    @Option(help: "System prompt for chat models.") var system: String?
    @Option(help: "Maximum new tokens.") var maxTokens = 256
    @Option(help: "Beam width (1 = greedy/sampling, streamed).") var beams = 1
    @Option(help: "Sampling temperature (0 = greedy).") var temperature: Float = 0
    @Option(help: "Nucleus sampling threshold.") var topP: Float = 1
    @Option(help: "Top-k cut-off (0 = none).") var topK = 0
    @Option(help: "Random seed for sampling.") var seed: UInt64 = 0
    @Option(
        help: ArgumentHelp(
            "Decode arithmetic on Q4_K/Q5_K/Q6_K weights: quantized8 (8-bit activations, integer kernels, as llama.cpp) or float32 (dequantised weights, F32 activations: the exact path, as prefill and transformers)."
        ))
    var decodeActivations: DecodeActivations = .quantized8
    @Option(help: "OpenBLAS threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    /// `--verbose` (timing on stderr) is a global option (see `GlobalOptions`).
    @OptionGroup var global: GlobalOptions

    /// What the flags ask of the generator.
    var generationOptions: GenerationOptions {
        GenerationOptions(
            maxTokens: maxTokens,
            sampling: SamplingOptions(temperature: temperature, topP: topP, topK: topK, seed: seed),
            beams: beams, activations: decodeActivations)
    }

    func run() async throws {
        BLAS.setThreads(threads)
        let loaded = try ModelLoader.load(path: model)
        guard let tokenizer = loaded.tokenizer else { throw ValidationError("\(model) has no tokenizer") }
        let options = generationOptions
        let template = chat ? loaded.chatTemplate : nil
        // Streamed to stdout as it is generated; with --json, collected and printed once as one object.
        var collected = ""
        let json = global.json
        let printPiece: (String) -> Bool = { piece in
            if json { collected += piece } else { FileHandle.standardOutput.write(Data(piece.utf8)) }
            return true
        }
        let generation: Generation
        if hydra {
            let translator = try HydraTranslator(model: loaded.model)
            let source: Tokenizer
            // The lexicon's ids are the directory's source tokenizer's.
            var lexicon = hydraLexicon ? loaded.hydraLexicon : nil
            if let path = sourceTokenizer {
                lexicon = nil
                source = try Tokenizer(contentsOf: URL(fileURLWithPath: path))
            } else if let s = loaded.sourceTokenizer {
                source = s
            } else {
                throw ValidationError(
                    "no source tokenizer: pass --source-tokenizer or add source_tokenizer/tokenizer.json to \(model)")
            }
            generation = try translator.translate(
                text: prompt, sourceLanguage: sourceLanguage, targetLanguage: targetLanguage,
                source: source, target: tokenizer, template: template, style: hydraPrompt, decoding: hydraDecoding,
                lexicon: lexicon, options: options,
                onText: printPiece
            ).generation
        } else {
            let generator = TextGenerator(model: loaded.model, codec: tokenizer, template: template)
            generation = try generator.generate(
                prompt: prompt, chat: template != nil, system: system, options: options,
                onText: printPiece
            ).generation
        }
        if json {
            try printJSON(
                GenerationResult(
                    text: collected, promptTokens: generation.promptTokenCount, tokens: generation.tokens.count,
                    finishReason: "\(generation.finishReason)", prefillSeconds: generation.prefillSeconds,
                    decodeSeconds: generation.decodeSeconds))
        } else {
            print("")
        }
        if global.verbose {
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "prompt %d tokens in %.2f s; %d tokens in %.2f s (%.1f tokens/s); %@\n",
                        generation.promptTokenCount, generation.prefillSeconds, generation.tokens.count,
                        generation.decodeSeconds,
                        generation.decodeTokensPerSecond, "\(generation.finishReason)"
                    ).utf8))
        }
    }
}

/// `transtok generate --json`: the whole generation as one object.
struct GenerationResult: Encodable {
    var text: String
    var promptTokens: Int
    var tokens: Int
    var finishReason: String
    var prefillSeconds: Double
    var decodeSeconds: Double
}
