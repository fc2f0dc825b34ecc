import Engine
import Foundation
import Systems

/// The tuned model as a row source of `transtok-bench quality`: embeddings-only tuning (`Engine/Tuning`) from
/// transtok's initialisation on the training books' target side (never the held-out books), one run per language
/// pair continued across the budgets of `--budgets`: the row `tuned @ N CPU-min` holds the tables after N minutes
/// of process CPU time (all threads) spent in training steps. Scoring is done by the benchmark, not charged.
final class QualityTuningSource {
    struct Settings {
        var sequences = 4
        var length = 128
        var learningRate: Float = 2e-3
        /// Weight of the distillation term (`DistillationStream`: the source model's states at shared byte
        /// boundaries); 0 = language-model loss only.
        var distillation: Float = 0
        /// Every `translationEvery`-th batch is one of the translation objective (`TranslationPairBatches`: the
        /// training pairs as Hydra prompts, `translationStyle` in the source model's chat template, with the
        /// reference scored); the model tuned is then the Hydra table (target rows train, source rows frozen).
        /// 0 = language-model batches only.
        var translationEvery = 0
        var translationStyle = HydraPromptStyle.echo
        /// When set, the rows and optimizer state after each budget are written to `<dir>/<pair>-<minutes>.state`
        /// (`TuningStateFile`), e.g. to translate with them later (`--tuned-state`).
        var stateDirectory: String?
    }

    /// One pair's tuner, kept between budgets (they come in increasing order).
    private struct Run {
        let pair: String
        var tuner: EmbeddingTuner
        /// What the state files of this run belong to (`fingerprint(_:)`).
        let fingerprint: String
        var batches: any TuningBatchSource
        var cpuSeconds: Double
        var steps: Int
        var tokens: Int
        var wallSeconds: Double
    }

    let settings: Settings
    private var run: Run?

    init(settings: Settings) { self.settings = settings }

    var rowSource: QualityRowSource {
        QualityRowSource(
            name: settings.distillation > 0
                ? "tuned (LM + distillation \(settings.distillation))"
                : settings.translationEvery > 0
                    ? "tuned (LM + translation, 1 batch in \(settings.translationEvery))" : "tuned"
        ) { [self] context, minutes in
            try produce(context, minutes)
        }
    }

    /// The rows of a state file written by `--tune-state-dir` for this pair, these tuning settings and this
    /// initialisation (its fingerprint must match, see `fingerprint`).
    static func loadRows(
        path: String, source: SourceModel, pair: String, settings: Settings, trainCount: Int,
        initial: (embedding: EmbeddingMatrix, head: EmbeddingMatrix?)
    ) throws
        -> (embedding: EmbeddingMatrix, head: EmbeddingMatrix?)
    {
        let model = try tuningModel(
            source: source, embedding: initial.embedding, head: initial.head, hydra: settings.translationEvery > 0)
        let print = fingerprint(
            pair: pair, settings: settings, trainCount: trainCount, embedding: initial.embedding, head: initial.head)
        _ = try TuningStateFile.load(from: path, into: model, fingerprint: print)
        return model.targetTables()
    }

    /// `hydra`: the translation objective's model (`TuningModel(hydraOf:)`, source rows frozen).
    static func tuningModel(source: SourceModel, embedding: EmbeddingMatrix, head: EmbeddingMatrix?, hydra: Bool)
        throws -> TuningModel
    {
        hydra
            ? try TuningModel(hydraOf: source, embedding: embedding, head: head)
            : try TuningModel(source: source, embedding: embedding, head: head)
    }

    private func start(_ context: QualityContext) throws -> Run {
        let model = try Self.tuningModel(
            source: context.source, embedding: context.initialEmbedding, head: context.initialHead,
            hydra: settings.translationEvery > 0)
        let options = TuningOptions(
            sequences: settings.sequences, length: settings.length,
            adam: AdamOptions(learningRate: settings.learningRate), distillation: settings.distillation)
        let tuner = try EmbeddingTuner(model: model, options: options)
        let text = TuningText(lines: context.train.map(\.1), codec: context.target)
        let chunks = try TokenChunkStream(tokens: text.tokens, length: settings.length, sequences: settings.sequences)
        var batches: any TuningBatchSource =
            settings.distillation > 0
            ? try DistillationStream(
                inner: chunks, student: model, sourceEmbedding: context.source.embedding, targetCodec: context.target,
                sourceCodec: context.source.tokenizer, maxSourceLength: 8 * settings.length)
            : chunks
        if settings.translationEvery > 0 {
            let pairs = try translationBatches(context, offset: context.initialEmbedding.rows)
            say(
                "  (translation objective: \(pairs.exampleCount) training pairs as \(settings.translationStyle.rawValue) prompts\(context.template == nil ? "" : " in the chat template"), \(pairs.skipped) longer than \(settings.length) tokens left out; 1 batch in \(settings.translationEvery))"
            )
            batches = try InterleavedBatches(main: chunks, other: pairs, every: settings.translationEvery)
        }
        say(
            "  (tuning \(context.pair): \(text.tokens.count) training tokens of the training books' target side, \(settings.sequences) × \(settings.length) tokens per step, lr \(settings.learningRate), distillation weight \(settings.distillation); CPU time = process CPU seconds of all threads during steps)"
        )
        return Run(
            pair: context.pair, tuner: tuner, fingerprint: fingerprint(context), batches: batches, cpuSeconds: 0,
            steps: 0, tokens: 0, wallSeconds: 0)
    }

    /// The training pairs as translation examples (`TranslationExample.examples`), ending with the token
    /// translation stops at (the target EOS, or else a newline: one verse in, one line out).
    private func translationBatches(_ context: QualityContext, offset: Int) throws -> TranslationPairBatches {
        guard let end = context.target.specialTokenIDs[.eos] ?? context.target.encodeIDs("\n").last else {
            throw QualityCorpus.Failure(description: "the target tokenizer has neither an EOS token nor a newline")
        }
        let examples = TranslationExample.examples(
            pairs: context.train.map { (source: $0.0, target: $0.1) }, source: context.source.tokenizer,
            target: context.target, sourceOffset: offset, end: end, sourceLanguage: context.sourceLanguage,
            targetLanguage: context.targetLanguage, template: context.template, style: settings.translationStyle)
        return try TranslationPairBatches(
            examples: examples, sequences: settings.sequences, maxLength: settings.length, padding: end)
    }

    /// The identity of a run's state files: the tuning settings, the pair and the initial rows (FNV-1a over their
    /// bits; the same corpus, tokenizer and mapping give the same rows), so `--tune-state-dir` never resumes a state
    /// written for other settings or another initialisation.
    private func fingerprint(_ context: QualityContext) -> String {
        Self.fingerprint(
            pair: context.pair, settings: settings, trainCount: context.train.count,
            embedding: context.initialEmbedding, head: context.initialHead)
    }

    static func fingerprint(
        pair: String, settings: Settings, trainCount: Int, embedding: EmbeddingMatrix, head: EmbeddingMatrix?
    ) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            hash ^= word
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let key =
            "\(pair)|\(settings.sequences)|\(settings.length)|\(settings.learningRate)|\(settings.distillation)|\(trainCount)"
            + (settings.translationEvery > 0
                ? "|translation \(settings.translationEvery) \(settings.translationStyle)" : "")
        for b in key.utf8 { mix(UInt64(b)) }
        for v in embedding.values { mix(UInt64(v.bitPattern)) }
        for v in head?.values ?? [] { mix(UInt64(v.bitPattern)) }
        return String(hash, radix: 16)
    }

    private func statePath(_ pair: String, _ minutes: Double) -> String? {
        guard let dir = settings.stateDirectory else { return nil }
        let series =
            settings.distillation > 0
            ? "-distill" : settings.translationEvery > 0 ? "-translate\(settings.translationEvery)" : ""
        return dir + "/\(pair)\(series)-\(String(format: "%g", minutes)).state"
    }

    /// The counters of a saved budget, beside its state file (`<state>.json`).
    private struct Counters: Codable {
        var cpuSeconds: Double
        var wallSeconds: Double
        var steps: Int
        var tokens: Int
        var fingerprint: String
    }

    /// Continues an interrupted run: when `<pair>-<minutes>.state` and its counters exist for this run's
    /// fingerprint and this run has not reached that budget yet, the rows and optimizer state are loaded, the counters
    /// restored and the batch stream advanced past the batches already trained on. Returns whether it resumed.
    private func resume(_ r: inout Run, minutes: Double) throws -> Bool {
        guard let path = statePath(r.pair, minutes), r.cpuSeconds < minutes * 60,
            FileManager.default.fileExists(atPath: path),
            let data = FileManager.default.contents(atPath: path + ".json"),
            let counters = try? JSONDecoder().decode(Counters.self, from: data),
            counters.fingerprint == r.fingerprint, counters.steps >= r.steps
        else { return false }
        let state = try TuningStateFile.load(from: path, into: r.tuner.model, fingerprint: r.fingerprint)
        r.tuner = try EmbeddingTuner(model: r.tuner.model, options: r.tuner.options, state: state)
        for _ in r.steps..<counters.steps { _ = try r.batches.nextBatch() }
        r.cpuSeconds = counters.cpuSeconds
        r.wallSeconds = counters.wallSeconds
        r.steps = counters.steps
        r.tokens = counters.tokens
        say(
            String(
                format: "  (resumed %@ from %@: %.2f CPU-min, %d steps, %d tokens)", r.pair, path, r.cpuSeconds / 60,
                r.steps, r.tokens))
        return true
    }

    func produce(_ context: QualityContext, _ minutes: Double) throws -> QualityRowOutput {
        if run?.pair != context.pair { run = try start(context) }
        guard var r = run else { throw QualityCorpus.Failure(description: "tuning run missing") }
        let resumed = try resume(&r, minutes: minutes)
        let remaining = minutes * 60 - r.cpuSeconds
        if remaining > 0 {
            let result = try r.tuner.run(budget: TuningBudget(cpuSeconds: remaining), batches: &r.batches)
            r.cpuSeconds += result.cpuSeconds
            r.wallSeconds += result.wallSeconds
            r.steps += result.steps
            r.tokens += result.tokens
            say(
                String(
                    format:
                        "  (tuned %@ to %.2f CPU-min: %d steps, %d tokens, %.0f tokens/CPU-s, %.1f wall-min, recent loss %.3f nats/token, load %@)",
                    context.pair, r.cpuSeconds / 60, r.steps, r.tokens,
                    r.cpuSeconds > 0 ? Double(r.tokens) / r.cpuSeconds : 0,
                    r.wallSeconds / 60, result.recentLoss, loadAverage()))
        }
        run = r
        if let dir = settings.stateDirectory, let path = statePath(context.pair, minutes), !resumed {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try r.tuner.saveState(to: path, fingerprint: r.fingerprint)
            let counters = Counters(
                cpuSeconds: r.cpuSeconds, wallSeconds: r.wallSeconds, steps: r.steps, tokens: r.tokens,
                fingerprint: r.fingerprint)
            try DurableFile.write(try JSONEncoder().encode(counters), to: path + ".json")
        }
        let tables = r.tuner.model.targetTables()
        return .tables(embedding: tables.embedding, head: tables.head)
    }
}
