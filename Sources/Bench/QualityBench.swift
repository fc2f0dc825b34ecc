import ArgumentParser
import Engine
import Foundation

extension AlignerModel: ExpressibleByArgument {}
extension HydraPromptStyle: ExpressibleByArgument {}

/// `transtok-bench quality`: adapted-model quality on held-out whole books, per language pair and as a mean.
/// Rows: the original model with its own tokenizer; transtok's initialisation with each aligner; the baselines
/// `mean`, `random`, `copy-overlap`; extra row sources (`QualityRowSources`, e.g. tuning) over `--budgets`; with
/// `--knobs`, the mapping's options one at a time. Also tokens per byte of both tokenizers and chrF of Hydra
/// translation beside a word-by-word baseline. The default run is the small one (a prefix of the held-out text,
/// 30 translated verses); `--full` scores all held-out text and 200 verses.
struct QualityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract:
            "Held-out bits/byte of the adapted model (each aligner, baselines), tokens/byte, chrF of Hydra translation."
    )

    @Option(help: "Corpora from scripts/quality-data.sh (one directory per language pair, named <src>-<tgt>).")
    var data: String = ProcessInfo.processInfo.environment["TRANSTOK_QUALITY_DATA"] ?? ".assets/quality"
    @Option(
        help:
            "Source model (.gguf or Hugging Face directory). Default: $TRANSTOK_ASSETS/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf."
    )
    var model: String?
    @Option(help: "Language pairs (directories of --data), comma-separated. Default: every directory with a pairs.tsv.")
    var pairs: String?
    @Option(
        help: "Held-out books for every pair, comma-separated (default: each pair's fixed list, see QualityCorpus).")
    var heldOut: String?
    @Option(
        help:
            "Validation books (comma-separated): held out of training too, and scored/translated instead of the held-out books (for choosing knobs without looking at the held-out books)."
    )
    var validation: String?
    @Option(help: "Bytes of held-out target text scored per pair, whole verses (0 = all).") var evalBytes = 8_000
    @Option(help: "Verses translated per pair for chrF (spread over the held-out books; 0 = skip).")
    var translateVerses = 30
    @Flag(help: "The full run: all held-out text and 200 translated verses.") var full = false
    @Option(help: "Aligners whose initialisation is measured, comma-separated (ibm1, fastalign, best).") var aligners =
        "ibm1,fastalign,best"
    @Option(help: "Baselines, comma-separated (mean, random, copy-overlap; empty = none).") var baselines =
        "mean,random,copy-overlap"
    @Option(
        help: "Aligner of the Hydra translation, the knob sweep and extra row sources (default: transfer's default).")
    var aligner: AlignerModel?
    @Flag(help: "Also measure the mapping's knobs (min count, smoothing, numbers, identical strings) one at a time.")
    var knobs = false
    @Option(
        help:
            "CPU minutes of embedding tuning (the tuned model's curve), comma-separated and cumulative within one run per pair (e.g. 0,1,2,5,10,30; include 0 for the gap-closed figures). Empty: no tuned rows."
    ) var budgets = ""
    @Option(
        help:
            "Also measure shrinkage of the rows toward the mean source row with these strengths k (λ = evidence / (evidence + k)), comma-separated."
    )
    var shrink = ""
    @Option(
        help:
            "Hydra decodings, comma-separated; each is plain|chat (the source model's chat template around the prompt), optionally +echo-repeated|+echo|+instruction (the prompt: the echo prompt after one exchange that answered it, which `translate` uses and the default; the echo prompt alone, session 8's; the paper's translation instruction, session 7's), +source-paced|+free (the body reads the source text unit by unit, translate's default, or generates freely; beam search is free), +prior|+no-prior (the head's log-prior bias and length ratio that `transfer --hydra` and the daemon write: default on; with it translate's own cap, 1.5 × the expected length, also applies), +lexicon|+no-lexicon (source-paced: choose each word among the lookup table's translations, as `translate` does with the hydra_lexicon.tsv that `transfer --hydra` and the daemon write: default on), +beamN (beam search), +stopN (stop at a repeated word N-gram and cut it) and +lenF (new tokens ≤ F × the expected length from the training split's length ratio). Example: chat,chat+free,plain+free+echo+no-prior+stop4+len1.5."
    )
    var decodings = "chat"
    @Option(
        help:
            "Also translate with the rows of this tuning state file (from --tune-state-dir; same pair, model and settings)."
    )
    var tunedState: String?
    @Option(
        help:
            "Write every translated verse (source, reference, Hydra, word-by-word) to <dir>/<pair>-<n>.tsv, one file per row set and decoding in the order printed."
    )
    var translationsDir: String?
    @Option(help: "Tuning: Adam learning rate of the rows.") var tuneLearningRate: Float = 2e-3
    @Option(
        help:
            "Tuning: write the rows and optimizer state after each budget to <dir>/<pair>-<minutes>.state (counters in .state.json); a rerun with the same settings resumes from the latest budget saved there."
    )
    var tuneStateDir: String?
    @Option(
        help:
            "Tuning: also a curve with this weight of the distillation term (the source model reading the same text with its own tokenizer; 0 = none)."
    )
    var tuneDistillation: Float = 0
    @Option(
        help:
            "Tuning: every Nth batch is one of the translation objective (the training pairs as Hydra prompts in the source model's chat template, the reference scored), mixed with the language-model batches (0 = none, 1 = translation only)."
    )
    var tuneTranslation = 0
    @Option(help: "Tuning: the translation objective's prompt (instruction or echo).")
    var tuneTranslationPrompt = HydraPromptStyle.echo
    @Option(help: "Tuning: tokens per training sequence.") var tuneLength = 128
    @Option(help: "Tuning: sequences per step.") var tuneBatch = 4
    @Option(
        help:
            "Target tokenizer vocabulary (sentencepiece-bpe trained on the training split's target side, as the daemon does)."
    )
    var vocabSize = 16_000
    @Option(help: "Use only the first N training pairs of each language pair (default: all).") var trainPairs: Int?
    @Option(help: "Evaluation window in tokens.") var window = 1024
    @Option(
        help: "Stride between evaluation windows (each window after the first has window − stride tokens of context).")
    var stride = 768
    @Option(help: "Threads (aligners, remap, OpenBLAS).") var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard window >= 2, stride >= 1, stride <= window else {
            throw ValidationError("need window ≥ 2 and 1 ≤ stride ≤ window")
        }
        guard tuneTranslation >= 0 else { throw ValidationError("--tune-translation must be ≥ 0") }
        guard tuneLearningRate > 0, tuneLength >= 2, tuneBatch >= 1 else {
            throw ValidationError("--tune-learning-rate must be positive, --tune-length ≥ 2, --tune-batch ≥ 1")
        }
        guard evalBytes >= 0, translateVerses >= 0, vocabSize >= 300, threads >= 1 else {
            throw ValidationError("--eval-bytes and --translate-verses must be ≥ 0, --vocab-size ≥ 300, --threads ≥ 1")
        }
        _ = try alignerList()
        _ = try baselineList()
        _ = try budgetList()
    }

    func alignerList() throws -> [AlignerModel] {
        try list(aligners).map { name in
            guard let a = AlignerModel(rawValue: name) else {
                throw ValidationError("unknown aligner '\(name)' (ibm1, fastalign, best)")
            }
            return a
        }
    }

    func baselineList() throws -> [EmbeddingInit] {
        try list(baselines).map { name in
            guard let b = EmbeddingInit(rawValue: name), b != .transtok else {
                throw ValidationError("unknown baseline '\(name)' (mean, random, copy-overlap)")
            }
            return b
        }
    }

    func budgetList() throws -> [Double] {
        try list(budgets).map { s in
            guard let v = Double(s), v >= 0 else {
                throw ValidationError("--budgets: '\(s)' is not a number of CPU minutes")
            }
            return v
        }.sorted()
    }

    func list(_ s: String) -> [String] {
        s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        say("$ transtok-bench " + CommandLine.arguments.dropFirst().joined(separator: " "))
        BLAS.setThreads(threads)
        let modelPath =
            model
            ?? ((ProcessInfo.processInfo.environment["TRANSTOK_ASSETS"] ?? ".assets")
                + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        let dataURL = URL(fileURLWithPath: data)
        let names =
            try pairs.map(list)
            ?? FileManager.default.contentsOfDirectory(atPath: data).sorted().filter {
                FileManager.default.fileExists(
                    atPath: dataURL.appendingPathComponent($0).appendingPathComponent("pairs.tsv").path)
            }
        guard !names.isEmpty else {
            throw ValidationError("no language pairs in \(data): run scripts/quality-data.sh first")
        }
        let source = try SourceModel(path: modelPath)
        let settings = QualityRun.Settings(
            evalBytes: full ? 0 : evalBytes, translateVerses: full ? 200 : translateVerses, aligners: try alignerList(),
            baselines: try baselineList(), chosen: aligner ?? TransferPipeline.defaultAligner, knobs: knobs,
            budgets: try budgetList(),
            vocabSize: vocabSize, trainPairs: trainPairs, window: window, stride: stride, threads: threads,
            heldOut: heldOut.map(list),
            tuning: QualityTuningSource.Settings(
                sequences: tuneBatch, length: tuneLength, learningRate: tuneLearningRate,
                distillation: tuneDistillation, translationEvery: tuneTranslation,
                translationStyle: tuneTranslationPrompt, stateDirectory: tuneStateDir),
            decodings: try list(decodings).map { try QualityRun.DecodingSpec(parsing: $0) },
            template: try? ModelLoader.load(path: modelPath).chatTemplate,
            tunedState: tunedState, translationsDirectory: translationsDir,
            shrink: try list(shrink).map { v in
                guard let k = Double(v), k >= 0 else {
                    throw ValidationError("--shrink: '\(v)' is not a non-negative number")
                }
                return k
            })
        say(
            "model \(modelPath): \(source.tokenizer.vocabularySize) tokens, width \(source.embedding.columns); target tokenizers: sentencepiece-bpe, \(vocabSize) tokens, trained on each pair's training target side"
        )
        say(
            "held-out text: \(settings.evalBytes == 0 ? "all of it" : "\(settings.evalBytes) bytes (whole verses, an equal share from the start of each held-out book)"); windows \(window), stride \(stride); \(threads) threads; load average \(loadAverage())"
        )
        var results: [QualityRun.PairResult] = []
        for name in names {
            let corpus = try QualityCorpus(
                directory: dataURL.appendingPathComponent(name), heldOut: settings.heldOut,
                validation: validation.map(list))
            results.append(try QualityRun(settings: settings, source: source).measure(corpus))
        }
        QualityReport.printSummary(results, chosen: settings.chosen)
        say("peak RSS \(peakResidentMegabytes()) MB")
    }
}
