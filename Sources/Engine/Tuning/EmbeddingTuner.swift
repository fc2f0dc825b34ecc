/// Options of an embedding-tuning run.
public struct TuningOptions: Sendable, Equatable {
    /// Sequences per step and tokens per sequence (the workspace is sized for this; held-out scoring uses it too).
    public var sequences: Int
    public var length: Int
    public var adam: AdamOptions
    /// Weight of the distillation term on batches that carry teacher targets (`DistillationStream`); 0 = the
    /// language-model loss only (the default, see docs/method.md § Tuning for the measurement behind it).
    public var distillation: Float

    public init(sequences: Int = 4, length: Int = 128, adam: AdamOptions = AdamOptions(), distillation: Float = 0) {
        self.sequences = sequences
        self.length = length
        self.adam = adam
        self.distillation = distillation
    }
}

/// When a run stops: whichever limit is reached first (nil = no limit of that kind; at least one must be set).
public struct TuningBudget: Sendable, Equatable {
    /// Process CPU seconds (all threads) spent in training steps; time spent in the progress callback (e.g.
    /// held-out scoring) does not count.
    public var cpuSeconds: Double?
    public var steps: Int?
    public var tokens: Int?

    public init(cpuSeconds: Double? = nil, steps: Int? = nil, tokens: Int? = nil) {
        self.cpuSeconds = cpuSeconds
        self.steps = steps
        self.tokens = tokens
    }
}

/// Reported after every step.
public struct TuningProgress: Sendable {
    /// Steps and scored tokens of this run, and in total over resumed runs (the optimizer state's counters).
    public var step: Int, tokens: Int
    public var totalSteps: Int, totalTokens: Int
    /// Mean loss (nats/token) of this step's batch, and the gradient norm before clipping.
    public var loss: Double
    public var gradientNorm: Float
    /// CPU and wall seconds of training in this run (callback time excluded).
    public var cpuSeconds: Double, wallSeconds: Double
    public var tokensPerWallSecond: Double { wallSeconds > 0 ? Double(tokens) / wallSeconds : 0 }
    public var tokensPerCPUSecond: Double { cpuSeconds > 0 ? Double(tokens) / cpuSeconds : 0 }
}

public enum TuningControl: Sendable { case proceed, stop }

/// The outcome of `EmbeddingTuner.run`.
public struct TuningResult: Sendable {
    public var steps: Int, tokens: Int
    public var totalSteps: Int, totalTokens: Int
    public var cpuSeconds: Double, wallSeconds: Double
    /// Mean batch loss over the run's last (up to) 20 steps.
    public var recentLoss: Double
    public var tokensPerWallSecond: Double { wallSeconds > 0 ? Double(tokens) / wallSeconds : 0 }
    public var tokensPerCPUSecond: Double { cpuSeconds > 0 ? Double(tokens) / cpuSeconds : 0 }
}

/// Tunes a model's input embedding rows (and its untied head) with the body frozen, on the language-model loss of
/// target-language text, with Adam(W): the embeddings-only warm-up of the trans-tokenization literature. Runs on the
/// calling thread; the matrix products use every OpenBLAS thread (`BLAS.setThreads`). One tuner per model; not
/// for concurrent use.
///
///     let tuner = try EmbeddingTuner(model: model, options: TuningOptions())
///     var batches = try TokenChunkStream(tokens: train.tokens, length: 128, sequences: 4)
///     let result = try tuner.run(budget: TuningBudget(cpuSeconds: 600), batches: &batches) { p in
///         if p.step % 50 == 0 { print(try tuner.evaluate(heldOut).bitsPerByte) }   // not charged to the budget
///         return .proceed
///     }
///     try tuner.saveState(to: "tuning.state")
public final class EmbeddingTuner {
    public let model: TuningModel
    public let options: TuningOptions
    public private(set) var state: AdamState
    private let workspace: TrainingWorkspace
    private let gradients: TuningGradients

    /// `state`: continue from a checkpoint (`TuningStateFile.load`, which also restored the rows into `model`).
    public init(model: TuningModel, options: TuningOptions, state: AdamState? = nil) throws {
        try options.adam.validate()
        guard options.distillation >= 0, options.distillation.isFinite else {
            throw TuningError.invalidOptions("the distillation weight must be ≥ 0, found \(options.distillation)")
        }
        guard options.sequences >= 1, options.length >= 2, options.length <= model.config.maxPositions else {
            throw TuningError.invalidOptions(
                "\(options.sequences) sequences of \(options.length) tokens (need ≥ 1 × 2…\(model.config.maxPositions))"
            )
        }
        if let state,
            state.inputRows != model.trainableInputRows || state.columns != model.config.hiddenSize
                || (state.headFirstMoment != nil) != model.hasUntiedHead
        {
            throw TuningError.invalidOptions("the optimizer state was made for another model shape")
        }
        self.model = model
        self.options = options
        self.state = state ?? AdamState(model: model)
        workspace = TrainingWorkspace(config: model.config, sequences: options.sequences, length: options.length)
        gradients = TuningGradients(model: model)
    }

    /// One optimizer step on `batch`; returns the batch's mean loss and the gradient norm.
    @discardableResult
    public func step(_ batch: TokenBatch) throws -> (loss: Double, gradientNorm: Float) {
        gradients.reset()
        let outcome = try TrainingPass.run(
            model: model, batch: batch, workspace: workspace, gradients: gradients,
            distillation: options.distillation)
        let norm = state.apply(gradients, to: model, options: options.adam, scoredTokens: outcome.scoredTokens)
        return (outcome.meanLoss, norm)
    }

    /// The batch's mean loss without changing anything.
    public func loss(_ batch: TokenBatch) throws -> Double {
        try TrainingPass.run(model: model, batch: batch, workspace: workspace, gradients: nil).meanLoss
    }

    /// Trains until `budget` is spent, `batches` runs dry or `onStep` says stop.
    public func run(
        budget: TuningBudget, batches: inout some TuningBatchSource,
        onStep: (TuningProgress) throws -> TuningControl = { _ in .proceed }
    ) throws -> TuningResult {
        guard budget.cpuSeconds != nil || budget.steps != nil || budget.tokens != nil else {
            throw TuningError.invalidOptions("a tuning budget needs a CPU-time, step or token limit")
        }
        var steps = 0, tokens = 0
        var cpu = 0.0, wall = 0.0
        var recent: [Double] = []
        func spent() -> Bool {
            if let s = budget.steps, steps >= s { return true }
            if let t = budget.tokens, tokens >= t { return true }
            if let c = budget.cpuSeconds, cpu >= c { return true }
            return false
        }
        while !spent() {
            let cpu0 = CPUClock.processSeconds(), wall0 = CPUClock.wallSeconds()
            guard let batch = try batches.nextBatch() else { break }
            let (loss, norm) = try step(batch)
            cpu += CPUClock.processSeconds() - cpu0
            wall += CPUClock.wallSeconds() - wall0
            steps += 1
            tokens += batch.scoredTokens
            recent.append(loss)
            if recent.count > 20 { recent.removeFirst() }
            guard loss.isFinite else {
                throw TuningError.invalidOptions(
                    "the loss diverged (\(loss)) at step \(state.step); lower the learning rate")
            }
            let progress = TuningProgress(
                step: steps, tokens: tokens, totalSteps: state.step, totalTokens: state.tokensSeen,
                loss: loss, gradientNorm: norm, cpuSeconds: cpu, wallSeconds: wall)
            if try onStep(progress) == .stop { break }
        }
        return TuningResult(
            steps: steps, tokens: tokens, totalSteps: state.step, totalTokens: state.tokensSeen,
            cpuSeconds: cpu, wallSeconds: wall,
            recentLoss: recent.isEmpty ? .nan : recent.reduce(0, +) / Double(recent.count))
    }

    /// Scores held-out windows with the current rows (forward only, in batches of the tuner's shape).
    public func evaluate(_ heldOut: HeldOutSet) throws -> HeldOutScore {
        var total = 0.0, scored = 0
        // Group windows of equal length into batches of up to `options.sequences`.
        var i = 0
        let windows = heldOut.windows
        while i < windows.count {
            var group = [windows[i]]
            var j = i + 1
            while j < windows.count, group.count < options.sequences, windows[j].count == windows[i].count {
                group.append(windows[j])
                j += 1
            }
            if windows[i].count > options.length {
                throw TuningError.invalidBatch(
                    "held-out window of \(windows[i].count) tokens exceeds the tuner's length \(options.length)")
            }
            let outcome = try TrainingPass.run(
                model: model, batch: try TokenBatch(group), workspace: workspace, gradients: nil)
            total += outcome.totalNLL
            scored += outcome.scoredTokens
            i = j
        }
        return HeldOutScore(totalNLL: total, scoredTokens: scored, bytes: heldOut.bytes)
    }

    /// Writes the rows and the optimizer state (`TuningStateFile`), atomically and durably.
    public func saveState(to path: String, fingerprint: String = "") throws {
        try TuningStateFile.save(model: model, state: state, to: path, fingerprint: fingerprint)
    }
}
