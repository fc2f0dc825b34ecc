import ArgumentParser
import ControlAPI
import Engine
import Entities
import Foundation
import Systems

/// `transtok transfer`: tokenize → word units → align (`--aligner`; IBM Model 1 on the paper path) → token mapping → new embedding
/// rows → Hugging Face directory with the target tokenizer, plus `token_mapping.json` and `transfer_report.txt`.
struct TransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Adapt a model to a new tokenizer by trans-tokenization (end to end)."
    )

    @Option(
        help:
            "Source model: a .gguf (llama, qwen2, gemma, gemma2, gemma3, phi3) or a Hugging Face directory (safetensors + config.json + tokenizer.json) of a supported architecture (decoders: llama, mistral, qwen2, phi3, gemma*; encoders: bert, roberta, xlm-roberta, camembert, modernbert)."
    ) var model: String
    @Option(help: "The new (target-language) tokenizer.json.") var targetTokenizer: String
    @OptionGroup var parallelText: ParallelTextOptions<TransferCorpusFlags>
    @Option(help: "Output Hugging Face model directory.") var output: String
    @Flag(
        help:
            "Write a Hydra model: input table [E_tgt ; E_src], output head U_tgt, the target tokens' log-prior from the parallel text as the head's bias (lm_head.bias), and the aligner's word translations (hydra_lexicon.tsv; --init transtok) for source-paced decoding."
    ) var hydra = false
    @Option(name: .customLong("init"), help: "How the new embedding rows start.") var initMethod: EmbeddingInit =
        .transtok
    @Option(help: "Drop aligned word pairs with a smaller (soft) count.") var minCount: Double = 10
    @Option(
        help: ArgumentHelp(
            "Aligner whose soft counts feed the mapping: ibm1 (the paper's IBM Model 1), fastalign (fast_align -d -o -v), best (fast_align IBM 2 refined by an HMM). Default: \(TransferPipeline.defaultAligner.rawValue) (lowest mean held-out bits/byte in transtok-bench quality); --paper-compat always uses ibm1."
        ))
    var aligner: AlignerModel?
    @Flag(
        help:
            "Reproduce the reference mapping exactly (integer counts, piece strings, in-place smoothing, unk fallback)."
    ) var paperCompat = false
    @Option(help: "Output dtype of the float tensors (auto: the source's; BF16 for a quantised GGUF).") var dtype:
        OutputDType = .auto
    @Flag(
        help:
            "Hard-link the source's unchanged safetensors shards into the output instead of copying them (they then share storage: never modify them in place)."
    ) var linkSourceShards = false
    @Option(help: "Worker threads (aligner, remap).") var threads = 2
    @Option(help: "Use only the first N sentence pairs.") var maxPairs: Int?
    @OptionGroup(title: "Embedding tuning") var tuning: TransferTuningOptions
    @OptionGroup var global: GlobalOptions

    /// `--json`: what was written and how long each step took (the text report is `transfer_report.txt`).
    struct Summary: Encodable {
        struct Step: Encodable {
            var name: String
            var seconds: Double
        }
        var output: String
        var `init`: String
        var aligner: String?
        var hydra: Bool
        var dtype: String
        var pairs: Int
        var targetVocabulary: Int
        var steps: [Step]
        var peakRssMegabytes: Int
    }

    func run() async throws {
        let method = initMethod
        if paperCompat, let aligner, aligner != .ibm1 {
            throw ValidationError(
                "--paper-compat reproduces the reference with --aligner ibm1, not \(aligner.rawValue)")
        }
        let chosenAligner = paperCompat ? AlignerModel.ibm1 : aligner ?? TransferPipeline.defaultAligner
        var timings: [(String, Double)] = []
        var clock = Date()
        func lap(_ name: String) {
            timings.append((name, Date().timeIntervalSince(clock)))
            clock = Date()
        }
        let progress = ProgressDisplay(label: "transfer", style: .detect(quiet: global.quiet || global.json))
        defer { progress.finish() }
        let steps = ["load", "word units", "align", "mapping", "remap", "tune", "write"]
        func step(_ name: String) { progress.step(name, index: steps.firstIndex(of: name) ?? 0, of: steps.count) }
        step("load")

        let loaded = try SourceModel(path: model)
        let outDType = loaded.outputDType(dtype)
        if hydra, loaded.config.architecture.kind != .decoder {
            throw ValidationError(
                "--hydra needs a decoder; \(model) is a '\(loaded.config.architecture.modelType)' encoder")
        }
        let targetTok = try Tokenizer(contentsOf: URL(fileURLWithPath: targetTokenizer))
        lap("load model and tokenizers")

        // Pairs with an empty side are left out (as the aligners would skip them).
        var pairs: [(String, String)] = []
        try parallelText.requiredInput().read(
            sourceLanguage: parallelText.sourceLanguage, targetLanguage: parallelText.targetLanguage
        ) { pair in
            if !pair.source.isEmpty && !pair.target.isEmpty { pairs.append((pair.source, pair.target)) }
        }
        if let n = maxPairs { pairs = Array(pairs.prefix(n)) }
        var options = paperCompat ? MappingOptions.paper : MappingOptions()
        options.minCount = minCount
        let pipeline = try TransferPipeline(source: loaded.tokenizer, target: targetTok, options: options)

        var mapping = BaselineMappings.mean(
            targetVocabularySize: targetTok.vocabularySize, sourceVocabularySize: loaded.tokenizer.vocabularySize)
        var reportText = ""
        var mappingReport: MappingReport?
        var lexicon: HydraLexicon?
        if method == .transtok {
            step("word units")
            let corpus = pipeline.wordUnits(pairs, threads: threads)
            lap("tokenize + word units (\(pairs.count) pairs)")
            step("align")
            let table = try TransferPipeline.align(corpus, with: chosenAligner, threads: threads)
            lap("align (\(chosenAligner.rawValue); \(table.rows.count) table rows)")
            step("mapping")
            if hydra {
                lexicon = HydraLexicon(
                    table: table, sourceUnits: corpus.sourceLexicon, targetUnits: corpus.targetLexicon)
            }
            let (m, report) = pipeline.mapper(corpus).build(from: table.alignedWordPairs)
            mapping = m
            mappingReport = report
            reportText = report.description
            lap("mapping")
        }
        step("remap")
        let remapper = EmbeddingRemapper(kernel: .saxpy, parallelism: threads)
        let (initialEmbedding, initialHead) = try pipeline.initialize(
            method, mapping: mapping, embedding: loaded.embedding, head: loaded.head, remapper: remapper)
        lap("remap (\(method.rawValue))")
        if tuning.tuneMinutes > 0 { step("tune") }
        let (embedding, head, tuningReport) = try tuning.tune(
            source: loaded, modelPath: model, targetTokenizer: targetTok,
            targetTokenizerPath: targetTokenizer, pairs: pairs.map { (source: $0.0, target: $0.1) },
            languages: (parallelText.sourceLanguage ?? "en", parallelText.targetLanguage ?? ""),
            embedding: initialEmbedding, head: initialHead, threads: threads)
        if tuning.tuneMinutes > 0 { lap("tune (\(tuning.tuneMinutes) CPU-min)") }

        step("write")
        let outURL = URL(fileURLWithPath: output)
        let bundle = try HFTokenizerBundle(targetTokenizer: targetTokenizer, tokenizer: targetTok)
        // Vocabulary-sized head biases (masked-LM encoders) follow the rows' mapping (the mean for random rows).
        let biasMapping =
            method == .transtok
            ? mapping
            : method == .copyOverlap
                ? BaselineMappings.copyOverlap(source: loaded.tokenizer, target: targetTok)
                : BaselineMappings.mean(
                    targetVocabularySize: targetTok.vocabularySize,
                    sourceVocabularySize: loaded.tokenizer.vocabularySize)
        var biases: [String: EmbeddingMatrix] = [:]
        for (name, bias) in loaded.headBiases { biases[name] = try remapper.remap(bias, mapping: biasMapping) }
        let writer = TransferOutput(dtype: outDType, shardReuse: linkSourceShards ? .link : .copy)
        let card = modelCard(
            source: loaded, target: targetTok, pairs: pairs.count, method: method, aligner: chosenAligner,
            report: mappingReport, tuning: tuningReport, dtype: outDType)
        // The Hydra head's log-prior and length ratio from the same parallel text (`HydraPrior`).
        let prior =
            hydra
            ? HydraPrior(
                mapping: mapping, pairs: pairs.map { (source: $0.0, target: $0.1) }, source: loaded.tokenizer,
                target: targetTok) : nil
        try writer.write(
            to: outURL, source: loaded, embedding: embedding, head: head, headBiases: biases, mapping: mapping,
            tokenizer: bundle, hydra: hydra, hydraPrior: prior, hydraLexicon: lexicon, card: card)
        lap("write \(hydra ? "Hydra " : "")model directory (\(outDType.rawValue))")

        var lines = [
            "transtok transfer: \(model) → \(output) (init \(method.rawValue)\(paperCompat ? ", paper-compat" : ""))"
        ]
        if !reportText.isEmpty { lines.append(reportText) }
        lines += tuningReport
        for (name, seconds) in timings {
            lines.append(
                "  " + name.padding(toLength: 56, withPad: " ", startingAt: 0) + String(format: "%8.2f s", seconds))
        }
        lines.append("  peak RSS \(peakRSSMegabytes()) MB")
        let text = lines.joined(separator: "\n")
        progress.finish()
        let summary = Summary(
            output: absolutePath(output), init: method.rawValue,
            aligner: method == .transtok ? chosenAligner.rawValue : nil, hydra: hydra, dtype: outDType.rawValue,
            pairs: pairs.count, targetVocabulary: targetTok.vocabularySize,
            steps: timings.map { Summary.Step(name: $0.0, seconds: $0.1) }, peakRssMegabytes: peakRSSMegabytes())
        try global.output(summary) { text }
        try DurableFile.write(
            Data((text + "\n").utf8), to: CheckpointLayout.url(CheckpointLayout.transferReport, in: outURL).path)
    }
}

extension TransferCommand {
    /// The output's `README.md`: what the source says about itself, this run's options and the mapping's figures.
    func modelCard(
        source: SourceModel, target: Tokenizer, pairs: Int, method: EmbeddingInit, aligner: AlignerModel,
        report: MappingReport?, tuning: [String], dtype: TensorDType
    ) -> ModelCard {
        let base = BaseModelInfo.read(path: model)
        var methodEntries = [
            ModelCard.Entry(
                "Initialisation",
                method == .transtok
                    ? "transtok: each new row is the weighted mean of the rows of the source tokens it maps to"
                    : "\(method.rawValue) (baseline)")
        ]
        if method == .transtok {
            methodEntries.append(
                .init("Aligner", aligner.rawValue + (paperCompat ? " (paper-compatible mapping)" : "")))
            methodEntries.append(.init("Minimum pair count", String(format: "%g", minCount)))
        }
        if tuning.isEmpty == false, self.tuning.tuneMinutes > 0 {
            methodEntries.append(.init("Embedding tuning", String(format: "%g CPU-minutes", self.tuning.tuneMinutes)))
        }
        var figures: [ModelCard.Entry] = [.init("Target vocabulary", "\(target.vocabularySize)")]
        if let report {
            figures += [
                .init(
                    "Tokens mapped from aligned evidence",
                    "\(report.directlyMapped) (\(String(format: "%.1f", 100 * report.coverage))%)"),
                .init("Tokens smoothed from neighbours", "\(report.smoothed)"),
                .init("Tokens with a fallback row", "\(report.unmappedCount)"),
                .init("Aligned word pairs used", "\(report.alignment.pairsUsed)"),
            ]
        }
        figures += tuning.map { .init("Tuning", $0.trimmingCharacters(in: .whitespaces)) }
        return ModelCard(
            title:
                "\(base.displayName)\(parallelText.targetLanguage.map { " → \($0)" } ?? "")\(hydra ? " (Hydra)" : "") — transtok",
            base: base, architecture: source.config.architecture.modelType, kind: source.config.architecture.kind,
            sourceLanguage: parallelText.sourceLanguage ?? (base.languages.count == 1 ? base.languages[0] : nil),
            targetLanguage: parallelText.targetLanguage,
            tokenizer: ModelCard.tokenizerSummary(target),
            corpusPairs: pairs, method: methodEntries, figures: figures, hydra: hydra,
            dtype: dtype.rawValue.lowercased(),
            producedBy: "`transtok transfer` \(TranstokVersion.current) (commit \(TranstokVersion.commit))")
    }
}

extension OutputDType: ExpressibleByArgument {}
extension IncrementalAlignerModel: ExpressibleByArgument {}

func peakRSSMegabytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024
}

/// `transfer`'s names: `--source-text`/`--target-text`; its languages also name the model card's.
enum TransferCorpusFlags: ParallelTextFlags {
    static let source = "source-text"
    static let target = "target-text"
    static let sourceHelp = "Parallel corpus, model's language side (one sentence per line; .gz allowed)."
    static let targetHelp = "Parallel corpus, target language side (line k translates line k of --source-text)."
    static let inputHelp =
        "Parallel corpus in one file (instead of --source-text/--target-text): .tsv, .jsonl, .tmx (read for --source-language and --target-language) or fast_align's 'source ||| target' lines; see --format."
    static let sourceLanguageHelp =
        "Language of the model and of --source-text (ISO code, for the model card and a TMX --input)."
    static let targetLanguageHelp =
        "Language of the new tokenizer and of --target-text (ISO code, for the model card and a TMX --input)."
}
