import Foundation

/// Beam search as transformers does it (no early stopping): each step expands every live beam by its `2·beams` best
/// tokens, keeps the best `beams` continuations; a stop token among a step's top `beams` candidates closes a
/// hypothesis scored `Σ log p / length^lengthPenalty`. Ends when `beams` hypotheses are closed and no live beam can
/// beat the worst of them, or at `maxTokens`.
struct BeamSearch {
    let model: LlamaModel
    let stops: Set<Int>
    let options: GenerationOptions

    private struct Beam {
        var tokens: [Int]
        var logProbability: Double
        var cache: KVCache
        var logits: [Float]
    }

    private struct Closed {
        var tokens: [Int]
        var score: Double
        var reason: FinishReason
    }

    private func normalised(_ logProbability: Double, length: Int) -> Double {
        logProbability / pow(Double(max(length, 1)), options.lengthPenalty)
    }

    func run(prompt: [Int], onToken: (Int) -> Bool) throws -> Generation {
        let width = options.beams
        let clock = ContinuousClock()
        let t0 = clock.now
        let cache = model.makeCache(capacity: min(model.config.maxPositions, prompt.count + options.maxTokens + 1))
        let first = try model.forward(prompt, cache: cache, activations: options.activations)
        let prefill = (clock.now - t0).seconds
        let t1 = clock.now
        var live = [Beam(tokens: [], logProbability: 0, cache: cache, logits: Array(first.last))]
        var closed: [Closed] = []
        var step = 0
        while step < options.maxTokens, !live.isEmpty {
            step += 1
            var candidates: [(parent: Int, token: Int, logProbability: Double)] = []
            for (b, beam) in live.enumerated() {
                let lp = logSoftmax(beam.logits)
                for token in Self.top(lp, count: 2 * width) {
                    candidates.append((b, token, beam.logProbability + lp[token]))
                }
            }
            candidates.sort { $0.logProbability > $1.logProbability }
            var chosen: [(parent: Int, token: Int, logProbability: Double)] = []
            for (rank, c) in candidates.enumerated() {
                if stops.contains(c.token) {
                    if rank < width {
                        let tokens = live[c.parent].tokens
                        closed.append(
                            Closed(
                                tokens: tokens, score: normalised(c.logProbability, length: tokens.count + 1),
                                reason: .stopToken(c.token)))
                    }
                } else {
                    chosen.append(c)
                }
                if chosen.count == width { break }
            }
            closed.sort { $0.score > $1.score }
            if closed.count > width { closed.removeLast(closed.count - width) }
            if closed.count == width, let worst = closed.last?.score,
                let best = chosen.first, normalised(best.logProbability, length: step) <= worst
            {
                live = []
                break
            }
            // Hand each parent's cache to its first child, copies to the others, then advance them all.
            var claimed = Set<Int>()
            var next: [Beam] = []
            for c in chosen {
                let parent = live[c.parent]
                let childCache = claimed.insert(c.parent).inserted ? parent.cache : parent.cache.copy()
                next.append(
                    Beam(
                        tokens: parent.tokens + [c.token], logProbability: c.logProbability, cache: childCache,
                        logits: []))
            }
            live = []
            if step == options.maxTokens || (next.first.map { $0.cache.count >= model.config.maxPositions } ?? false) {
                let reason: FinishReason = step == options.maxTokens ? .maxTokens : .contextLimit
                closed += next.map {
                    Closed(
                        tokens: $0.tokens, score: normalised($0.logProbability, length: $0.tokens.count), reason: reason
                    )
                }
                break
            }
            for var beam in next {
                guard let last = beam.tokens.last else { continue }
                beam.logits = Array(try model.forward([last], cache: beam.cache, activations: options.activations).last)
                live.append(beam)
            }
        }
        closed += live.map {
            Closed(tokens: $0.tokens, score: normalised($0.logProbability, length: $0.tokens.count), reason: .maxTokens)
        }
        guard let best = closed.max(by: { $0.score < $1.score }) else {
            return Generation(
                tokens: [], finishReason: .maxTokens, promptTokenCount: prompt.count, score: 0,
                prefillSeconds: prefill, decodeSeconds: (clock.now - t1).seconds)
        }
        var reason = best.reason
        for t in best.tokens where !onToken(t) {
            reason = .cancelled
            break
        }
        return Generation(
            tokens: best.tokens, finishReason: reason, promptTokenCount: prompt.count, score: best.score,
            prefillSeconds: prefill, decodeSeconds: (clock.now - t1).seconds)
    }

    /// Indices of the `count` largest values, best first (lower index first on ties).
    static func top(_ values: [Double], count: Int) -> [Int] {
        var best: [(Int, Double)] = []
        best.reserveCapacity(count + 1)
        for (i, v) in values.enumerated() where best.count < count || v > best[best.count - 1].1 {
            let at = best.firstIndex { $0.1 < v } ?? best.count
            best.insert((i, v), at: at)
            if best.count > count { best.removeLast() }
        }
        return best.map(\.0)
    }
}
