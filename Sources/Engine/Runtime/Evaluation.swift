import Foundation

/// Language-model quality of a text: mean negative log-likelihood per token, perplexity, and bits per byte (the
/// tokenizer-independent figure that lets a trans-tokenized model be compared with its source model).
public struct EvaluationResult: Sendable, Equatable {
    /// Tokens whose probability was scored.
    public var tokens: Int
    /// UTF-8 bytes of the text those tokens stand for.
    public var bytes: Int
    /// Σ −log p, in nats.
    public var totalNLL: Double
    public var windows: Int

    public var meanNLL: Double { tokens > 0 ? totalNLL / Double(tokens) : .nan }
    public var perplexity: Double { exp(meanNLL) }
    public var bitsPerByte: Double { bytes > 0 ? totalNLL / log(2) / Double(bytes) : .nan }
}

/// Scores long token sequences over sliding windows (as transformers' perplexity guide): windows of `window` tokens
/// start every `stride` tokens; each token is scored once, in the first window that covers it, with up to
/// `window - stride` tokens of earlier context.
public struct Evaluator: Sendable {
    public let model: LlamaModel
    public let window: Int
    public let stride: Int

    public init(model: LlamaModel, window: Int? = nil, stride: Int? = nil) throws {
        let w = window ?? min(model.config.maxPositions, 1024)
        let s = stride ?? max(1, w / 2)
        guard w >= 2, w <= model.config.maxPositions, s >= 1, s <= w else {
            throw RuntimeError.invalidConfig(
                "evaluation window \(w) / stride \(s): need 2 ≤ window ≤ \(model.config.maxPositions) and 1 ≤ stride ≤ window"
            )
        }
        self.model = model
        self.window = w
        self.stride = s
    }

    /// Scores `tokens` (all of them when `context` is non-empty, e.g. `[bos]`; otherwise from the second on).
    /// `bytes` is the UTF-8 length of the text the scored tokens cover.
    public func evaluate(tokens: [Int], context: [Int] = [], bytes: Int) throws -> EvaluationResult {
        let sequence = context + tokens
        let firstScored = max(1, context.count)
        guard sequence.count > firstScored else {
            throw RuntimeError.emptyInput("nothing to score: \(tokens.count) tokens")
        }
        var result = EvaluationResult(tokens: 0, bytes: bytes, totalNLL: 0, windows: 0)
        var scoredUpTo = firstScored // positions < scoredUpTo are done
        var begin = 0
        while scoredUpTo < sequence.count {
            let end = min(begin + window, sequence.count)
            let from = max(scoredUpTo, begin + 1)
            if from < end {
                // Position p is predicted by the logits of row p - 1 - begin.
                let rows = (from - 1 - begin)..<(end - 1 - begin)
                let logits = try model.forward(
                    Array(sequence[begin..<end]), cache: model.makeCache(capacity: end - begin),
                    logits: .rows(rows), activations: .float32) // a one-row window is scored exactly too
                for (i, p) in (from..<end).enumerated() {
                    let row = logits.row(i)
                    let lse = row.withUnsafeBufferPointer { Kernels.logSumExp($0.baseAddress!, count: $0.count) }
                    result.totalNLL += lse - Double(row[row.startIndex + sequence[p]])
                }
                result.tokens += end - from
                result.windows += 1
                scoredUpTo = end
            }
            if end == sequence.count { break }
            begin += stride
        }
        return result
    }
}
