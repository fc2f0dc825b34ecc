import Foundation
import Testing

@testable import Engine

@Suite("Runtime: sampling, stop tokens, streaming, beam search")
struct RuntimeGenerationTests {
    static func tiny() throws -> (LlamaModel, RuntimeFixtures.TinyModel) {
        let m = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "mha-linear-tied" })
        return (try LlamaModel(config: m.config, weights: m.weights), m)
    }

    @Test("sampling follows the softmax of logits / temperature, restricted by top-p")
    func samplerDistribution() {
        let logits: [Float] = [2, 1, 0, -1]
        var sampler = Sampler(SamplingOptions(temperature: 1, seed: 42))
        var counts = [0, 0, 0, 0]
        let n = 20000
        for _ in 0..<n { counts[sampler.next(logits)] += 1 }
        let p = logSoftmax(logits).map(exp)
        for i in 0..<4 { #expect(abs(Double(counts[i]) / Double(n) - p[i]) < 0.015, "token \(i)") }
        // top-p 0.8 keeps tokens 0 and 1 (p ≈ 0.64, 0.24)
        var nucleus = Sampler(SamplingOptions(temperature: 1, topP: 0.8, seed: 1))
        let picks = Set((0..<2000).map { _ in nucleus.next(logits) })
        #expect(picks == [0, 1])
        var k1 = Sampler(SamplingOptions(temperature: 5, topK: 1, seed: 3))
        #expect((0..<50).allSatisfy { _ in k1.next(logits) == 0 })
    }

    @Test("a seed makes sampled generations reproducible; greedy is the argmax path")
    func seeds() throws {
        let (model, m) = try Self.tiny()
        let g = Generator(model: model)
        func run(_ seed: UInt64) throws -> [Int] {
            try g.generate(
                prompt: m.inputIDs,
                options: GenerationOptions(
                    maxTokens: 12, ignoreModelEOS: true,
                    sampling: SamplingOptions(temperature: 1.5, seed: seed))
            ).tokens
        }
        #expect(try run(5) == run(5))
        let distinct = Set(try (0..<6).map { try run(UInt64($0)) })
        #expect(distinct.count > 1)
        let greedy = try g.generate(prompt: m.inputIDs, options: GenerationOptions(maxTokens: 8, ignoreModelEOS: true))
        #expect(greedy.tokens == m.greedy && greedy.finishReason == .maxTokens)
    }

    @Test("stop tokens end generation without being emitted; the callback can cancel")
    func stopsAndCancel() throws {
        let (model, m) = try Self.tiny()
        let g = Generator(model: model)
        let stop = m.greedy[3]
        let stopped = try g.generate(
            prompt: m.inputIDs, options: GenerationOptions(maxTokens: 8, stopTokens: [stop], ignoreModelEOS: true))
        let cut = try #require(m.greedy.firstIndex(of: stop))
        #expect(stopped.tokens == Array(m.greedy[..<cut]) && stopped.finishReason == .stopToken(stop))
        var seen: [Int] = []
        let cancelled = try g.generate(
            prompt: m.inputIDs, options: GenerationOptions(maxTokens: 8, ignoreModelEOS: true)
        ) { id in
            seen.append(id)
            return seen.count < 2
        }
        #expect(
            cancelled.tokens == Array(m.greedy.prefix(2)) && cancelled.finishReason == .cancelled
                && seen == cancelled.tokens)
        #expect(throws: RuntimeError.self) { try g.generate(prompt: []) }
    }

    @Test("the AsyncStream yields each token, then the finished generation")
    func stream() async throws {
        let (model, m) = try Self.tiny()
        var tokens: [Int] = []
        var finished: Generation?
        for try await event in Generator(model: model).stream(
            prompt: m.inputIDs, options: GenerationOptions(maxTokens: 8, ignoreModelEOS: true))
        {
            switch event {
            case .token(let id): tokens.append(id)
            case .finished(let g): finished = g
            }
        }
        #expect(tokens == m.greedy && finished?.tokens == m.greedy)
    }

    @Test("beam search as wide as the vocabulary finds the most likely two-token continuation")
    func beamSearchExact() throws {
        let (model, m) = try Self.tiny()
        let v = model.config.outputVocabularySize
        let cache = model.makeCache()
        let first = logSoftmax(try model.forward(m.inputIDs, cache: cache).last)
        var best = (score: -Double.infinity, pair: [0, 0])
        for a in 0..<v {
            let branch = cache.copy()
            let second = logSoftmax(try model.forward([a], cache: branch).last)
            for b in 0..<v where first[a] + second[b] > best.score { best = (first[a] + second[b], [a, b]) }
        }
        let beams = try Generator(model: model).generate(
            prompt: m.inputIDs,
            options: GenerationOptions(maxTokens: 2, ignoreModelEOS: true, beams: v, lengthPenalty: 0))
        #expect(beams.tokens == best.pair)
        #expect(abs(beams.score - best.score) < 1e-4)
        let narrow = try Generator(model: model).generate(
            prompt: m.inputIDs,
            options: GenerationOptions(maxTokens: 6, stopTokens: [m.greedy[2]], ignoreModelEOS: true, beams: 3))
        #expect(!narrow.tokens.contains(m.greedy[2]))
    }
}
