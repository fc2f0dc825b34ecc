import Engine
import Foundation

/// The measurements of one language pair (see `QualityBench`).
struct QualityRun {
    struct Settings {
        var evalBytes: Int
        var translateVerses: Int
        var aligners: [AlignerModel]
        var baselines: [EmbeddingInit]
        var chosen: AlignerModel
        var knobs: Bool
        var budgets: [Double]
        var vocabSize: Int
        var trainPairs: Int?
        var window: Int
        var stride: Int
        var threads: Int
        var heldOut: [String]?
        var tuning = QualityTuningSource.Settings()
        /// Decodings of the Hydra translation (each one translates the same verses); see `QualityTranslation.Decoding`.
        var decodings: [DecodingSpec] = [DecodingSpec()]
        var template: ChatTemplate?
        /// Rows from a tuning state file (`--tune-state-dir` output) translated too, without tuning here.
        var tunedState: String?
        /// Where each translation run's lines go as TSV (`QualityTranslation.Outcome.tsv`), if anywhere.
        var translationsDirectory: String?
        /// Evidence shrinkage strengths `k` measured as extra knob rows (`EvidenceShrinkage`).
        var shrink: [Double] = []
    }

    /// A decoding as given on the command line: `plain` or `chat`, the prompt, the decoding, `prior`/`no-prior`,
    /// `lexicon`/`no-lexicon`, `beamN`, `stopN`, `lenF` joined by `+`. What it does not set stays as `QualityTranslation.Decoding` has it.
    struct DecodingSpec {
        var chat = false
        /// The length cap's factor; the expected length comes from the training split once it is read.
        var lengthFactor: Double? = nil
        /// Everything else, as the translation run takes it (its template is set from `chat`).
        var decoding = QualityTranslation.Decoding()

        init() {}
        init(parsing text: String) throws {
            for part in text.split(separator: "+") {
                if part == "plain" {
                    chat = false
                } else if part == "chat" {
                    chat = true
                } else if part == "prior" || part == "no-prior" {
                    decoding.prior = part == "prior"
                } else if part == "lexicon" || part == "no-lexicon" {
                    decoding.lexicon = part == "lexicon"
                } else if part.hasPrefix("beam"), let n = Int(part.dropFirst(4)), n > 0 {
                    decoding.beams = n
                } else if let hydraDecoding = HydraDecoding(rawValue: String(part)) {
                    decoding.hydraDecoding = hydraDecoding
                } else if let style = HydraPromptStyle(rawValue: String(part)) {
                    decoding.style = style
                } else if part.hasPrefix("stop"), let n = Int(part.dropFirst(4)), n > 0 {
                    decoding.repeatStop = n
                } else if part.hasPrefix("len"), let f = Double(part.dropFirst(3)), f > 0 {
                    lengthFactor = f
                } else {
                    throw QualityCorpus.Failure(
                        description:
                            "--decodings: '\(part)' is not plain, chat, instruction, echo, echo-repeated, source-paced, free, prior, no-prior, lexicon, no-lexicon, beamN, stopN or lenF"
                    )
                }
            }
        }
    }

    struct Row {
        var name: String
        var kind: Kind
        var bitsPerByte: Double
        var tokens: Int
        var bytes: Int
        var seconds: Double
        /// CPU minutes of an extra row source's budget (e.g. tuning), nil for the other rows.
        var cpuMinutes: Double? = nil
        /// The extra row source's name (one curve per source).
        var series: String? = nil
        enum Kind { case original, aligner, baseline, knob, extra }
    }

    struct PairResult {
        var pair: String
        var rows: [Row]
        var sourceTokensPerByte: Double
        var targetTokensPerByte: Double
        var translation: QualityTranslation.Outcome?
        /// The same verses translated by the Hydra model with the tuned rows of the largest budget (when tuned).
        var tunedTranslation: QualityTranslation.Outcome?
        var tunedLabel: String?
    }

    let settings: Settings
    let source: SourceModel

    func measure(_ corpus: QualityCorpus) throws -> PairResult {
        let s = settings
        let pairName = corpus.name
        let languages = pairName.split(separator: "-").map(String.init)
        let train = s.trainPairs.map { Array(corpus.train.prefix($0)) } ?? corpus.train
        say(
            "\n== \(pairName): \(train.count) training pairs, \(corpus.heldOut.count) held-out pairs (books held out: \(corpus.heldOutBooks.joined(separator: ", ")); scored: \(corpus.scoredBooks.joined(separator: ", ")))"
        )
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "transtok-quality-\(getpid())-\(pairName)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        var clock = Date()
        func lap() -> Double {
            let t = Date().timeIntervalSince(clock)
            clock = Date()
            return t
        }
        var options = TokenizerTrainingOptions(kind: .sentencePieceBPE, vocabSize: s.vocabSize)
        options.threads = s.threads
        let trained = try TokenizerTrainer.train(lines: train.map(\.1), options: options)
        try trained.write(to: work.appendingPathComponent("tokenizer"))
        let tokenizerPath = work.appendingPathComponent("tokenizer/tokenizer.json").path
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))
        say(String(format: "target tokenizer: %d tokens (%.1f s)", target.vocabularySize, lap()))

        let text = corpus.evaluationText(maxBytes: s.evalBytes)
        let bytes = text.utf8.count
        let sourceTPB = Double(source.tokenizer.encodeIDs(text).count) / Double(bytes)
        let targetTPB = Double(target.encodeIDs(text).count) / Double(bytes)
        say(
            String(
                format:
                    "held-out text scored (the opening of each held-out book): %d bytes, %d verses; tokens/byte: source tokenizer %.4f, target tokenizer %.4f (%.1f%% fewer tokens)",
                bytes, text.split(separator: "\n").count, sourceTPB, targetTPB, 100 * (1 - targetTPB / sourceTPB)))
        QualityReport.printHeader()

        let models = try QualityModels(source: source)
        var rows: [Row] = []
        func score(
            _ name: String, _ kind: Row.Kind, _ model: LlamaModel, _ tokenizer: Tokenizer, cpuMinutes: Double? = nil,
            series: String? = nil
        ) throws {
            let r = try QualityScore.measure(
                model: model, tokenizer: tokenizer, text: text, window: s.window, stride: s.stride)
            let row = Row(
                name: name, kind: kind, bitsPerByte: r.result.bitsPerByte, tokens: r.result.tokens,
                bytes: r.result.bytes, seconds: r.seconds,
                cpuMinutes: cpuMinutes, series: series)
            rows.append(row)
            QualityReport.printRow(pairName, row)
        }
        try score("original model, own tokenizer", .original, try models.original(), source.tokenizer)

        let pipeline = try TransferPipeline(source: source.tokenizer, target: target, options: MappingOptions())
        let units = pipeline.wordUnits(train, threads: s.threads)
        say(String(format: "  (word units of the training pairs: %.1f s)", lap()))
        var wanted = Set(s.aligners)
        if s.translateVerses > 0 || s.knobs || !s.budgets.isEmpty { wanted.insert(s.chosen) }
        let tables = try TransferPipeline.alignTables(units, with: wanted, threads: s.threads)
        say(String(format: "  (aligners %@: %.1f s)", wanted.map(\.rawValue).sorted().joined(separator: ", "), lap()))
        let remapper = EmbeddingRemapper(kernel: .saxpy, parallelism: s.threads)
        let prepared = pipeline.prepareVocabularies()
        var chosenTables: (embedding: EmbeddingMatrix, head: EmbeddingMatrix?)?
        var chosenMapping: TokenMapping?
        var anyMapping: TokenMapping?
        for aligner in AlignerModel.allCases where wanted.contains(aligner) {
            guard let table = tables[aligner] else { continue }
            let (mapping, _) = pipeline.mapper(units, reusing: prepared).build(from: table.alignedWordPairs)
            anyMapping = mapping
            let init_ = try pipeline.initialize(
                .transtok, mapping: mapping, embedding: source.embedding, head: source.head, remapper: remapper)
            if aligner == s.chosen { (chosenTables, chosenMapping) = (init_, mapping) }
            if s.aligners.contains(aligner) {
                try score(
                    "transtok init, --aligner \(aligner.rawValue)", .aligner,
                    try models.adapted(embedding: init_.embedding, head: init_.head, target: target), target)
            }
        }
        for baseline in s.baselines {
            let mapping =
                anyMapping
                ?? BaselineMappings.mean(
                    targetVocabularySize: target.vocabularySize, sourceVocabularySize: source.tokenizer.vocabularySize)
            let init_ = try pipeline.initialize(
                baseline, mapping: mapping, embedding: source.embedding, head: source.head, remapper: remapper)
            try score(
                "baseline --init \(baseline.rawValue)", .baseline,
                try models.adapted(embedding: init_.embedding, head: init_.head, target: target), target)
        }

        if s.knobs, let table = tables[s.chosen] {
            for (name, options) in Self.knobVariants() {
                let p = try TransferPipeline(source: source.tokenizer, target: target, options: options)
                let (mapping, _) = p.mapper(units).build(from: table.alignedWordPairs)
                let init_ = try p.initialize(
                    .transtok, mapping: mapping, embedding: source.embedding, head: source.head, remapper: remapper)
                try score(
                    "knob (\(s.chosen.rawValue)): \(name)", .knob,
                    try models.adapted(embedding: init_.embedding, head: init_.head, target: target), target)
            }
        }

        // The Hydra head's log-prior (`HydraPrior`) from the chosen mapping and the training target side.
        let prior = chosenMapping.map {
            HydraPrior(
                mapping: $0, pairs: train.map { (source: $0.0, target: $0.1) }, source: source.tokenizer,
                target: target)
        }
        if s.knobs, let initial = chosenTables, let headPrior = prior?.headBias {
            try score(
                "knob (\(s.chosen.rawValue)): head log-prior bias (× \(HydraPrior.strength))", .knob,
                try models.adapted(
                    embedding: initial.embedding, head: initial.head, target: target, headBias: headPrior), target)
        }

        if !s.shrink.isEmpty, let table = tables[s.chosen], let initial = chosenTables {
            let mapper = pipeline.mapper(units, reusing: prepared)
            let evidence = EvidenceShrinkage.evidence(
                mapper.completedCounts(from: mapper.alignmentCounts(from: table.alignedWordPairs).0))
            let meanE = EvidenceShrinkage.meanRow(source.embedding), meanH = source.head.map(EvidenceShrinkage.meanRow)
            for k in s.shrink {
                var e = initial.embedding, h = initial.head
                EvidenceShrinkage.apply(to: &e, evidence: evidence, k: k, mean: meanE)
                if var hh = h, let mh = meanH {
                    EvidenceShrinkage.apply(to: &hh, evidence: evidence, k: k, mean: mh)
                    h = hh
                }
                try score(
                    "knob (\(s.chosen.rawValue)): shrink toward mean, k \(String(format: "%g", k))", .knob,
                    try models.adapted(embedding: e, head: h, target: target), target)
            }
        }

        var tuned: (label: String, embedding: EmbeddingMatrix, head: EmbeddingMatrix?)?
        if let initial = chosenTables, !s.budgets.isEmpty {
            let context = QualityContext(
                pair: pairName, source: source, target: target, tokenizerPath: tokenizerPath, train: train,
                evaluationText: text, initialEmbedding: initial.embedding, initialHead: initial.head,
                threads: s.threads, sourceLanguage: languages.first ?? "", targetLanguage: languages.last ?? "",
                template: s.template, workDirectory: work)
            let extras = QualityRowSources.all(tuning: s.tuning)
            for extra in extras {
                for minutes in s.budgets {
                    let label = "\(extra.name) @ \(String(format: "%g", minutes)) CPU-min"
                    switch try extra.produce(context, minutes) {
                    case .tables(let e, let h):
                        if extra.name == extras.first?.name { tuned = (label, e, h) }
                        try score(
                            label, .extra, try models.adapted(embedding: e, head: h, target: target), target,
                            cpuMinutes: minutes, series: extra.name)
                    case .modelDirectory(let path):
                        let loaded = try ModelLoader.load(path: path)
                        guard let tok = loaded.tokenizer else {
                            throw QualityCorpus.Failure(description: "\(path) has no tokenizer.json")
                        }
                        try score(label, .extra, loaded.model, tok, cpuMinutes: minutes, series: extra.name)
                    }
                }
            }
        }

        var translation: QualityTranslation.Outcome?
        var tunedTranslation: QualityTranslation.Outcome?
        if s.translateVerses > 0, let initial = chosenTables, languages.count == 2 {
            _ = lap()
            let (table, lexicon) = try QualityTranslation.lookupTable(corpus: units, threads: s.threads)
            var rowSets: [(String, EmbeddingMatrix, EmbeddingMatrix?)] = [
                ("--aligner \(s.chosen.rawValue) init", initial.embedding, initial.head)
            ]
            if let tuned { rowSets.append((tuned.label, tuned.embedding, tuned.head)) }
            if let path = s.tunedState {
                let loaded = try QualityTuningSource.loadRows(
                    path: path, source: source, pair: pairName, settings: s.tuning, trainCount: train.count,
                    initial: initial)
                rowSets.append(("tuned rows of \(path)", loaded.embedding, loaded.head))
            }
            // Expected target tokens per source byte, from the training split (byte ratio × target tokens/byte).
            let sampleLines = train.prefix(2000)
            let sourceBytes = sampleLines.reduce(0) { $0 + $1.0.utf8.count },
                targetBytes = sampleLines.reduce(0) { $0 + $1.1.utf8.count }
            let targetTokens = sampleLines.reduce(0) { $0 + target.encodeIDs($1.1).count }
            let rate = Double(targetTokens) / Double(max(1, sourceBytes))
            say(
                String(
                    format:
                        "  (translation: training split has %.3f target bytes per source byte, %.3f target tokens per source byte)",
                    Double(targetBytes) / Double(max(1, sourceBytes)), rate))
            var runs = 0
            for (index, rows) in rowSets.enumerated() {
                for spec in s.decodings {
                    let hydra = try models.hydra(
                        embedding: rows.1, head: rows.2, target: target, prior: spec.decoding.prior ? prior : nil)
                    var decoding = spec.decoding
                    decoding.template = spec.chat ? s.template : nil
                    if let f = spec.lengthFactor {
                        decoding.expectedTokensPerSourceByte = rate
                        decoding.lengthFactor = f
                    }
                    if spec.chat, s.template == nil { say("  (no chat template in the source model: plain prompt)") }
                    let outcome = try QualityTranslation.run(
                        sample: corpus.translationSample(s.translateVerses), hydra: hydra, source: source.tokenizer,
                        target: target,
                        sourceLanguage: languages[0], targetLanguage: languages[1], pipeline: pipeline, table: table,
                        trainCorpus: units, lexicon: lexicon,
                        decoding: decoding)
                    QualityReport.printTranslation(
                        pairName, outcome, rows: rows.0 + "; " + decoding.description, seconds: lap())
                    if let directory = s.translationsDirectory {
                        runs += 1
                        let file = URL(fileURLWithPath: directory).appendingPathComponent("\(pairName)-\(runs).tsv")
                        try FileManager.default.createDirectory(
                            atPath: directory, withIntermediateDirectories: true)
                        try Data(outcome.tsv.utf8).write(to: file, options: .atomic)
                        say("  (lines written to \(file.path))")
                    }
                    if index == 0, translation == nil { translation = outcome }
                    if index > 0, tunedTranslation == nil || outcome.hydraChrF > tunedTranslation!.hydraChrF {
                        tunedTranslation = outcome
                    }
                }
            }
        }
        QualityReport.printTuningSummary(pairName, rows, sourceTokensPerByte: sourceTPB, targetTokensPerByte: targetTPB)
        return PairResult(
            pair: pairName, rows: rows, sourceTokensPerByte: sourceTPB, targetTokensPerByte: targetTPB,
            translation: translation,
            tunedTranslation: tunedTranslation, tunedLabel: tuned?.label ?? s.tunedState)
    }

    /// The mapping's knobs, one change at a time from the default (`MappingOptions()`: min count 10, smoothing,
    /// numbers and identical strings on). The split of word counts onto tokens and the fallback are fixed in
    /// `TokenMapper` (not options), so they are not swept here.
    static func knobVariants() -> [(String, MappingOptions)] {
        var out: [(String, MappingOptions)] = []
        for minCount in [1.0, 3, 30] { out.append(("min count \(Int(minCount))", MappingOptions(minCount: minCount))) }
        out.append(("no smoothing", MappingOptions(smoothing: false)))
        out.append(("no number pairs", MappingOptions(numbers: false)))
        out.append(("no identical-string pairs", MappingOptions(identicalStrings: false)))
        return out
    }
}
