import Foundation
import Systems

/// What a generation call may do.
public struct GenerationOptions: Sendable, Equatable {
    public var maxTokens: Int
    /// Token ids that end generation (not included in the output). The model's EOS ids are added unless
    /// `ignoreModelEOS`.
    public var stopTokens: Set<Int>
    public var ignoreModelEOS: Bool
    public var sampling: SamplingOptions
    /// Beam width; 1 = greedy or sampled decoding with streaming, > 1 = beam search (deterministic, no streaming
    /// until done).
    public var beams: Int
    /// Beam scores are `Σ log p / length^lengthPenalty` (as in transformers).
    public var lengthPenalty: Double
    /// Decode arithmetic on k-quant weights (`DecodeActivations`; prefill is always F32).
    public var activations: DecodeActivations

    public init(
        maxTokens: Int = 256, stopTokens: Set<Int> = [], ignoreModelEOS: Bool = false,
        sampling: SamplingOptions = .greedy, beams: Int = 1, lengthPenalty: Double = 1,
        activations: DecodeActivations = .quantized8
    ) {
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.ignoreModelEOS = ignoreModelEOS
        self.sampling = sampling
        self.beams = beams
        self.lengthPenalty = lengthPenalty
        self.activations = activations
    }
}

/// Why generation ended.
public enum FinishReason: Sendable, Equatable {
    case stopToken(Int)
    case maxTokens
    /// The model's `maxPositions` was reached.
    case contextLimit
    /// The token callback asked to stop, or the stream's consumer went away.
    case cancelled
    /// Source-paced Hydra decoding read the whole source text (`HydraDecoding.sourcePaced`).
    case sourceRead
}

/// The outcome of one generation.
public struct Generation: Sendable, Equatable {
    /// Generated ids (output vocabulary), without the stop token.
    public var tokens: [Int]
    public var finishReason: FinishReason
    public var promptTokenCount: Int
    /// Beam search: the winning hypothesis' length-normalised log-probability; otherwise the sum of the chosen
    /// tokens' log-probabilities.
    public var score: Double
    public var prefillSeconds: Double
    public var decodeSeconds: Double

    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(tokens.count) / decodeSeconds : 0 }
}

/// Something streamed while generating.
public enum GenerationEvent: Sendable, Equatable {
    case token(Int)
    case finished(Generation)
}

/// Runs generation on a `LlamaModel`. Prompts are input-table ids (for a Hydra model, source ids already offset:
/// see `HydraTranslator`); generated ids come from the output head and are fed back unchanged.
public struct Generator: Sendable {
    public let model: LlamaModel

    public init(model: LlamaModel) { self.model = model }

    func stopSet(_ options: GenerationOptions) -> Set<Int> {
        options.ignoreModelEOS ? options.stopTokens : options.stopTokens.union(model.config.eosTokenIDs)
    }

    /// Generates after `prompt`, calling `onToken` with each new id as soon as it is chosen (beam search: once, with
    /// the winner's ids, at the end). Returning `false` from `onToken` stops generation (`.cancelled`).
    public func generate(
        prompt: [Int], options: GenerationOptions = GenerationOptions(),
        onToken: (Int) -> Bool = { _ in true }
    ) throws -> Generation {
        guard !prompt.isEmpty else { throw RuntimeError.emptyInput("the prompt has no tokens") }
        guard options.maxTokens >= 0, options.beams >= 1 else {
            throw RuntimeError.invalidConfig("maxTokens must be ≥ 0 and beams ≥ 1")
        }
        if options.beams > 1 {
            return try BeamSearch(model: model, stops: stopSet(options), options: options).run(
                prompt: prompt, onToken: onToken)
        }
        let stops = stopSet(options)
        let clock = ContinuousClock()
        let cache = model.makeCache(capacity: min(model.config.maxPositions, prompt.count + options.maxTokens + 1))
        let t0 = clock.now
        var logits = try model.forward(prompt, cache: cache, activations: options.activations)
        let prefill = clock.now - t0
        var sampler = Sampler(options.sampling)
        var result = Generation(
            tokens: [], finishReason: .maxTokens, promptTokenCount: prompt.count, score: 0,
            prefillSeconds: prefill.seconds, decodeSeconds: 0)
        let t1 = clock.now
        while result.tokens.count < options.maxTokens {
            let next = sampler.next(logits.last)
            result.score += logSoftmax(logits.last)[next]
            if stops.contains(next) {
                result.finishReason = .stopToken(next)
                break
            }
            result.tokens.append(next)
            guard onToken(next) else {
                result.finishReason = .cancelled
                break
            }
            if result.tokens.count == options.maxTokens { break }
            guard cache.count < model.config.maxPositions else {
                result.finishReason = .contextLimit
                break
            }
            logits = try model.forward([next], cache: cache, activations: options.activations)
        }
        result.decodeSeconds = (clock.now - t1).seconds
        return result
    }

    /// The same as an `AsyncThrowingStream`: `.token` per id, then `.finished`. Generation runs on a detached task
    /// and stops when the consumer cancels or drops the stream.
    public func stream(prompt: [Int], options: GenerationOptions = GenerationOptions()) -> AsyncThrowingStream<
        GenerationEvent, Error
    > {
        let flag = CancellationFlag()
        return AsyncThrowingStream { continuation in
            continuation.onTermination = { _ in flag.cancel() }
            Task.detached {
                do {
                    let result = try generate(prompt: prompt, options: options) { id in
                        continuation.yield(.token(id))
                        return !flag.isCancelled
                    }
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }
}

/// A thread-safe one-way switch.
final class CancellationFlag: Sendable {
    private let cancelled = Locked(false)
    func cancel() { cancelled.withLock { $0 = true } }
    var isCancelled: Bool { cancelled.value }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
