import Foundation
import Testing

@testable import Engine

@Suite("Runtime: NLL, perplexity and bits per byte")
struct RuntimeEvaluationTests {
    /// Σ −log p computed directly from the transformers logits in the fixture.
    static func referenceNLL(_ m: RuntimeFixtures.TinyModel) -> Double {
        (1..<m.inputIDs.count).reduce(0.0) { sum, p in
            let lp = logSoftmax(m.logits[p - 1])
            return sum - lp[m.inputIDs[p]]
        }
    }

    @Test("one window scores every token after the first, matching the reference logits")
    func singleWindow() throws {
        let m = try #require(try RuntimeFixtures.tinyModels().first)
        let model = try LlamaModel(config: m.config, weights: m.weights)
        let r = try Evaluator(model: model, window: 64, stride: 64).evaluate(tokens: m.inputIDs, bytes: 33)
        #expect(r.tokens == m.inputIDs.count - 1 && r.windows == 1)
        #expect(abs(r.totalNLL - Self.referenceNLL(m)) < 1e-3)
        #expect(abs(r.perplexity - exp(r.totalNLL / Double(r.tokens))) < 1e-9)
        #expect(abs(r.bitsPerByte - r.totalNLL / log(2) / 33) < 1e-12)
    }

    @Test("sliding windows score each token once; with full-context stride they equal one big window")
    func slidingWindows() throws {
        let m = try #require(try RuntimeFixtures.tinyModels().first)
        let model = try LlamaModel(config: m.config, weights: m.weights)
        let n = m.inputIDs.count
        let short = try Evaluator(model: model, window: 6, stride: 3).evaluate(tokens: m.inputIDs, bytes: 10)
        #expect(short.tokens == n - 1 && short.windows > 1)
        // Windows with less context give a different (here: not identical) total.
        let full = try Evaluator(model: model, window: n, stride: n).evaluate(tokens: m.inputIDs, bytes: 10)
        #expect(abs(full.totalNLL - Self.referenceNLL(m)) < 1e-3)
        #expect(abs(short.totalNLL - full.totalNLL) > 1e-6)
        // stride 1 with a window covering everything before: each token sees its full prefix.
        let exhaustive = try Evaluator(model: model, window: n, stride: 1).evaluate(tokens: m.inputIDs, bytes: 10)
        #expect(abs(exhaustive.totalNLL - full.totalNLL) < 1e-4 && exhaustive.tokens == n - 1)
    }

    @Test("a context prefix makes the first token scored too")
    func contextPrefix() throws {
        let m = try #require(try RuntimeFixtures.tinyModels().first)
        let model = try LlamaModel(config: m.config, weights: m.weights)
        let tail = Array(m.inputIDs.dropFirst())
        let r = try Evaluator(model: model, window: 64).evaluate(tokens: tail, context: [m.inputIDs[0]], bytes: 20)
        #expect(r.tokens == tail.count)
        #expect(abs(r.totalNLL - Self.referenceNLL(m)) < 1e-3)
        #expect(throws: RuntimeError.self) { try Evaluator(model: model, window: 64).evaluate(tokens: [3], bytes: 1) }
        #expect(throws: RuntimeError.self) { try Evaluator(model: model, window: 8, stride: 9) }
    }
}
