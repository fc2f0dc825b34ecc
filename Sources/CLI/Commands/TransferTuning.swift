import ArgumentParser
import Engine
import Foundation
import Systems

/// `transtok transfer --tune-minutes N`: after the initialisation, tune the new embedding rows (and the untied head)
/// for N CPU-minutes on the language-model loss of the corpus's target side (plus optional monolingual files), the
/// body frozen; a deterministic tail of the target side is held out and scored before and after. With
/// `--tune-translation K`, every Kth batch is one of the translation objective (the training pairs as Hydra
/// prompts, the reference scored; `TranslationPairBatches`), which is what makes the Hydra translation work.
struct TransferTuningOptions: ParsableArguments {
    @Option(
        help:
            "Tune the new rows for this many CPU-minutes (process CPU time, all threads) after the initialisation; 0 = no tuning."
    )
    var tuneMinutes: Double = 0
    @Option(
        parsing: .singleValue,
        help: "Extra target-language text for tuning (UTF-8, one sentence or paragraph per line; repeatable).")
    var tuneText: [String] = []
    @Option(help: "Adam learning rate for the rows.") var tuneLearningRate: Float = 2e-3
    @Option(
        help:
            "Every Nth tuning batch is one of the translation objective: the corpus pairs as Hydra prompts (the source model's chat template), the target side scored (0 = language-model batches only, 1 = translation only)."
    )
    var tuneTranslation = 0
    @Option(
        help:
            "The translation objective's Hydra prompt (echo, echo-repeated or instruction). translate uses echo-repeated, but it doubles the prompt the objective reads without scoring and needs about twice the --tune-length; echo, the prompt it was measured with, is the default. Its language names come from --source-language/--target-language (source default: en)."
    )
    var tuneTranslationPrompt: HydraPromptStyle = .echo
    @Option(help: "Tokens per training sequence.") var tuneLength = 128
    @Option(help: "Sequences per step.") var tuneBatch = 4
    @Option(
        help: "Hold out this fraction of the target side's last lines (at most --tune-holdout-max-lines) for scoring.")
    var tuneHoldoutFraction = 0.01
    @Option(help: "Upper bound on held-out lines.") var tuneHoldoutMaxLines = 200
    @Option(
        help:
            "Also score the held-out text every this many CPU-minutes of tuning (not charged to the budget; 0 = only before and after)."
    )
    var tuneEvalEvery: Double = 0
    @Option(help: "Optimizer state file: resumed from when it exists (same model and tokenizer), written after tuning.")
    var tuneState: String?

    func validate() throws {
        guard tuneMinutes >= 0, tuneMinutes.isFinite else { throw ValidationError("--tune-minutes must be ≥ 0") }
        guard tuneLearningRate > 0 else { throw ValidationError("--tune-learning-rate must be positive") }
        guard tuneLength >= 2, tuneBatch >= 1 else {
            throw ValidationError("--tune-length must be ≥ 2 and --tune-batch ≥ 1")
        }
        guard tuneHoldoutFraction > 0, tuneHoldoutFraction < 1, tuneHoldoutMaxLines >= 1 else {
            throw ValidationError("--tune-holdout-fraction must be in (0, 1) and --tune-holdout-max-lines ≥ 1")
        }
        guard tuneEvalEvery >= 0 else { throw ValidationError("--tune-eval-every must be ≥ 0") }
        guard tuneTranslation >= 0 else { throw ValidationError("--tune-translation must be ≥ 0") }
    }

    /// The tuned tables (the given ones unchanged when `--tune-minutes` is 0) and report lines.
    func tune(
        source: SourceModel, modelPath: String, targetTokenizer: Tokenizer, targetTokenizerPath: String,
        pairs: [(source: String, target: String)], languages: (source: String, target: String),
        embedding: EmbeddingMatrix, head: EmbeddingMatrix?, threads: Int
    ) throws -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?, report: [String]) {
        let targetLines = pairs.map(\.target)
        guard tuneMinutes > 0 else { return (embedding, head, []) }
        BLAS.setThreads(threads)
        var monolingual: [String] = []
        for path in tuneText {
            do {
                monolingual += try String(contentsOfFile: path, encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            } catch {
                throw CLIError(
                    code: .invalidArgument, message: "--tune-text \(path): \(FileErrorText.reason(error, path: path))")
            }
        }
        let split = TuningText.splitTail(targetLines, fraction: tuneHoldoutFraction, maxLines: tuneHoldoutMaxLines)
        guard !split.heldOut.isEmpty else {
            throw ValidationError("--tune-minutes needs at least two target sentences")
        }
        let train = TuningText(lines: split.train + monolingual, codec: targetTokenizer)
        let heldOutText = TuningText(lines: split.heldOut, codec: targetTokenizer, linesPerBlock: split.heldOut.count)
        let heldOut = try HeldOutSet(text: heldOutText, length: tuneLength)

        guard source.config.llama != nil else {
            throw ValidationError(
                "--tune-minutes tunes Llama-family decoders; this model is \(source.config.architecture)")
        }
        let model =
            tuneTranslation > 0
            ? try TuningModel(hydraOf: source, embedding: embedding, head: head)
            : try TuningModel(source: source, embedding: embedding, head: head)
        var state: AdamState?
        // The state belongs to this model file and target tokenizer (a directory model: its config and tokenizer).
        let identity = TuningStateFile.identityFiles(modelPath: modelPath)
        let fingerprint =
            tuneState == nil ? "" : try TuningStateFile.fingerprint(files: identity + [targetTokenizerPath])
        if let path = tuneState, FileManager.default.fileExists(atPath: path) {
            state = try TuningStateFile.load(from: path, into: model, fingerprint: fingerprint)
        }
        let options = TuningOptions(
            sequences: tuneBatch, length: tuneLength, adam: AdamOptions(learningRate: tuneLearningRate))
        let tuner = try EmbeddingTuner(model: model, options: options, state: state)
        let chunks = try TokenChunkStream(tokens: train.tokens, length: tuneLength, sequences: tuneBatch)
        var batches: any TuningBatchSource = chunks
        var translationLine: String?
        if tuneTranslation > 0 {
            // The pairs of the training lines only (the held-out tail is the last lines of the same list).
            guard let end = targetTokenizer.specialTokenIDs[.eos] ?? targetTokenizer.encodeIDs("\n").last else {
                throw ValidationError("--tune-translation: the target tokenizer has neither an EOS token nor a newline")
            }
            let template = ModelLoader.chatTemplate(modelPath: modelPath)
            let examples = TranslationExample.examples(
                pairs: Array(pairs.prefix(split.train.count)), source: source.tokenizer, target: targetTokenizer,
                sourceOffset: embedding.rows, end: end, sourceLanguage: languages.source,
                targetLanguage: languages.target, template: template, style: tuneTranslationPrompt)
            let pairBatches = try TranslationPairBatches(
                examples: examples, sequences: tuneBatch, maxLength: tuneLength, padding: end)
            batches = try InterleavedBatches(main: chunks, other: pairBatches, every: tuneTranslation)
            translationLine =
                "translation objective: 1 batch in \(tuneTranslation), \(pairBatches.exampleCount) pairs as \(tuneTranslationPrompt.rawValue) prompts"
                + (template == nil ? " (no chat template)" : " in the chat template")
                + " (\(pairBatches.skipped) longer than \(tuneLength) tokens left out)"
        }

        var lines: [String] = []
        // Unbuffered: progress shows live.
        func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        func say(_ line: String) {
            emit(line)
            lines.append(line)
        }
        say(
            "tuning: \(train.tokens.count) training tokens (\(split.train.count) corpus lines + \(monolingual.count) monolingual), "
                + "held out the last \(split.heldOut.count) target lines (\(heldOut.scoredTokens) scored tokens, \(heldOut.bytes) bytes); "
                + "\(tuneBatch) × \(tuneLength) tokens per step, lr \(tuneLearningRate), \(threads) BLAS threads"
                + (state.map { ", resumed at step \($0.step)" } ?? ""))
        if let translationLine { say("  " + translationLine) }
        let before = try tuner.evaluate(heldOut)
        say(
            String(
                format: "  held-out bits/byte  %.4f  (init%@)", before.bitsPerByte, state == nil ? "" : ", resumed rows"
            ))
        var nextEval = tuneEvalEvery > 0 ? tuneEvalEvery * 60 : .infinity
        var lastPrint = CPUClock.wallSeconds()
        let result = try tuner.run(budget: TuningBudget(cpuSeconds: tuneMinutes * 60), batches: &batches) { p in
            let now = CPUClock.wallSeconds()
            if now - lastPrint >= 30 {
                lastPrint = now
                emit(
                    String(
                        format: "  step %5d  loss %.4f  grad-norm %.3f  %.0f CPU-s  %.0f wall-s  %.1f tok/s wall",
                        p.step, p.loss,
                        p.gradientNorm, p.cpuSeconds, p.wallSeconds, p.tokensPerWallSecond))
            }
            if p.cpuSeconds >= nextEval {
                nextEval += tuneEvalEvery * 60
                let score = try tuner.evaluate(heldOut)
                say(
                    String(
                        format: "  held-out bits/byte  %.4f  after %.1f CPU-min (%.1f wall-min), step %d, %d tokens",
                        score.bitsPerByte,
                        p.cpuSeconds / 60, p.wallSeconds / 60, p.step, p.tokens))
            }
            return .proceed
        }
        let after = try tuner.evaluate(heldOut)
        say(
            String(
                format:
                    "  held-out bits/byte  %.4f  after %.1f CPU-min (%.1f wall-min), %d steps, %d tokens (%.1f tok/s wall, %.1f tok/CPU-s)",
                after.bitsPerByte, result.cpuSeconds / 60, result.wallSeconds / 60, result.steps, result.tokens,
                result.tokensPerWallSecond, result.tokensPerCPUSecond))
        if let path = tuneState {
            try tuner.saveState(to: path, fingerprint: fingerprint)
            say("  optimizer state → \(path) (step \(tuner.state.step), \(tuner.state.tokensSeen) tokens)")
        }
        let tuned = model.targetTables()
        return (tuned.embedding, tuned.head ?? head, lines)
    }
}
