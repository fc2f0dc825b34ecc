import ArgumentParser
import Engine
import Foundation

/// `transtok train-tokenizer`: train a target-language BPE tokenizer and write Hugging Face files.
struct TrainTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tokenizer",
        abstract:
            "Train a BPE tokenizer (streamed input) and write tokenizer.json, tokenizer_config.json, special_tokens_map.json."
    )

    @Option(name: .long, parsing: .upToNextOption, help: "UTF-8 text files, one sentence or paragraph per line.")
    var input: [String]

    @Option(name: .long, help: "Vocabulary size, special, byte and character pieces included.")
    var vocabSize: Int

    @Option(name: .long, help: "sentencepiece-bpe (byte fallback, split digits) or byte-level-bpe.")
    var kind: TokenizerTrainingOptions.Kind = .sentencePieceBPE

    @Option(name: .long, help: "Minimum pair frequency for a merge.")
    var minFrequency: Int = 2

    @Option(name: .long, parsing: .upToNextOption, help: "Special tokens in id order (default depends on --kind).")
    var specialTokens: [String] = []

    @Option(name: .long, help: "Output directory.")
    var output: String

    @OptionGroup var global: GlobalOptions

    /// `--json`: what was written.
    struct Summary: Encodable {
        var kind: String
        var output: String
        var vocabularySize: Int
        var merges: Int
        var seconds: Double
    }

    func run() throws {
        guard !input.isEmpty else { throw ValidationError("--input needs at least one file") }
        let options = TokenizerTrainingOptions(
            kind: kind, vocabSize: vocabSize, minFrequency: minFrequency,
            specialTokens: specialTokens.isEmpty ? nil : specialTokens)
        let start = Date()
        let progress = ProgressDisplay(label: "train-tokenizer", style: .detect(quiet: global.quiet || global.json))
        defer { progress.finish() }
        progress.step("training \(kind.rawValue) on \(input.count) file\(input.count == 1 ? "" : "s")", index: 0, of: 2)
        let trained = try TokenizerTrainer.train(files: input.map { URL(fileURLWithPath: $0) }, options: options)
        progress.step("writing \(output)", index: 1, of: 2)
        try trained.write(to: URL(fileURLWithPath: output))
        progress.finish()
        let summary = Summary(
            kind: kind.rawValue, output: absolutePath(output), vocabularySize: trained.vocabularySize,
            merges: trained.mergeCount, seconds: Date().timeIntervalSince(start))
        try global.output(summary) {
            "trained \(kind.rawValue): \(trained.vocabularySize) pieces, \(trained.mergeCount) merges in "
                + String(format: "%.2f s", summary.seconds) + " → \(output)"
        }
    }
}
