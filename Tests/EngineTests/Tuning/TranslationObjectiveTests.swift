import Foundation
import Testing

@testable import Engine

/// The translation objective: batches whose loss covers only some positions (a prompt read through rows the head
/// cannot predict, padding after the end), and the batch source that builds them from prompt/reference pairs.
@Suite struct TranslationObjectiveTests {
    /// A Hydra-shaped tiny model: 24 input rows, of which 0..<16 are the target block (trainable, and the tied
    /// head's rows) and 16..<24 the frozen "source" block.
    static func hydraModel() throws -> TuningModel {
        let plain = try TuningTestModels.random(seed: 11, vocabulary: 24, tied: true)
        var config = plain.config
        config.hydraSourceOffset = 16
        config.outputVocabularySize = 16
        return try TuningModel(config: config, body: plain.body, embedding: plain.embeddingMatrix(), head: nil)
    }

    @Test("scored ranges: the loss adds up over disjoint ranges, ignores padding, and reads unscored source rows")
    func scoredRanges() throws {
        let model = try Self.hydraModel()
        // Prompt 20, 17, 22 (source rows, which the head cannot predict), then target tokens.
        let sequence = [20, 17, 22, 3, 9, 4, 1, 5]
        let all = try TokenBatch([sequence], scored: [3..<8])
        let first = try TokenBatch([sequence], scored: [3..<5])
        let rest = try TokenBatch([sequence], scored: [5..<8])
        let total = try TuningTestModels.loss(model, all) * 5
        let parts = try TuningTestModels.loss(model, first) * 2 + TuningTestModels.loss(model, rest) * 3
        #expect(abs(total - parts) < 1e-9 * max(1, abs(total)))
        #expect(all.scoredTokens == 5)
        // Padding after the end (and a second, shorter sequence in the batch) changes nothing before it.
        let padded = try TokenBatch(
            [sequence + [0, 0, 0], [21, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0]], scored: [3..<8, 1..<3])
        let two = try TokenBatch([[21, 2, 7]], scored: [1..<3])
        let both = try TuningTestModels.loss(model, padded) * 7
        let separately = total + (try TuningTestModels.loss(model, two)) * 2
        #expect(abs(both - separately) < 1e-6 * max(1, abs(both)), "\(both) vs \(separately)")
        // A source row inside the scored range is refused (the head has no such row).
        #expect(throws: TuningError.self) {
            try TuningTestModels.loss(model, try TokenBatch([sequence], scored: [1..<8]))
        }
        // Ranges must be non-empty and inside 1..<length, one per sequence.
        #expect(throws: TuningError.self) { try TokenBatch([sequence], scored: [0..<3]) }
        #expect(throws: TuningError.self) { try TokenBatch([sequence], scored: [3..<9]) }
        #expect(throws: TuningError.self) { try TokenBatch([sequence], scored: [4..<4]) }
        #expect(throws: TuningError.self) { try TokenBatch([sequence], scored: []) }
    }

    @Test("gradients of a scored-range batch agree with finite differences; source rows get none")
    func gradients() throws {
        let model = try Self.hydraModel()
        let batch = try TokenBatch(
            [[20, 17, 22, 3, 9, 4, 1, 5, 0, 0], [23, 18, 2, 7, 7, 1, 12, 6, 8, 2]],
            scored: [3..<8, 2..<10])
        let (_, g) = try TuningTestModels.lossAndGradients(model, batch)
        let h = model.config.hiddenSize
        for r in 16..<24 { #expect((0..<h).allSatisfy { g.embedding[r * h + $0] == 0 }, "source row \(r)") }
        var random = SeededRandom(seed: 5)
        for _ in 0..<3 {
            var d = (0..<model.embedding.count).map { _ in Float(random.next() % 2001) / 1000 - 1 }
            for i in (16 * h)..<d.count { d[i] = 0 } // the frozen block does not move
            let norm = d.reduce(0) { $0 + $1 * $1 }.squareRoot()
            d = d.map { $0 / norm }
            let analytic = (0..<d.count).reduce(0.0) { $0 + Double(g.embedding[$1]) * Double(d[$1]) }
            let original = model.embedding.array
            let eps: Float = 3e-2
            for i in 0..<d.count { model.embedding[i] = original[i] + eps * d[i] }
            let plus = try TuningTestModels.loss(model, batch)
            for i in 0..<d.count { model.embedding[i] = original[i] - eps * d[i] }
            let minus = try TuningTestModels.loss(model, batch)
            for i in 0..<d.count { model.embedding[i] = original[i] }
            let numeric = (plus - minus) / (2 * Double(eps))
            #expect(abs(numeric - analytic) <= 1e-2 * abs(analytic) + 1e-4, "numeric \(numeric) vs \(analytic)")
        }
    }

    @Test("translation batches: each kept example once per epoch, its reference scored, long ones left out")
    func batches() throws {
        var examples: [TranslationExample] = []
        for i in 0..<10 {
            examples.append(
                TranslationExample(prompt: [16 + i % 8, 17], target: Array(repeating: i % 16, count: 1 + i % 4) + [15]))
        }
        examples.append(TranslationExample(prompt: Array(repeating: 20, count: 9), target: [1, 15])) // 11 > 10
        var stream = try TranslationPairBatches(examples: examples, sequences: 3, maxLength: 10, padding: 15)
        #expect(stream.skipped == 1 && stream.exampleCount == 10)
        var seen: [[Int]] = []
        while seen.count < 10 {
            let batch = try #require(try stream.nextBatch())
            for (s, row) in batch.sequences.enumerated() {
                let scored = batch.scoredPositions(s)
                #expect(scored.lowerBound == 2, "the prompt (2 tokens) is never scored")
                #expect(row[scored.upperBound...].allSatisfy { $0 == 15 }, "only padding after the reference")
                seen.append(Array(row[..<scored.upperBound]))
            }
        }
        #expect(seen.count == 10)
        #expect(Set(seen) == Set(examples.prefix(10).map { $0.prompt + $0.target }))
        #expect(stream.epoch == 0)
        _ = try stream.nextBatch()
        #expect(stream.epoch == 1)
        #expect(throws: TuningError.self) {
            try TranslationPairBatches(examples: Array(examples.prefix(2)), sequences: 3, maxLength: 10, padding: 0)
        }
    }

    @Test("interleaving takes every Nth batch from the second source")
    func interleaving() throws {
        struct Fixed: TuningBatchSource {
            let token: Int
            mutating func nextBatch() throws -> TokenBatch? { try TokenBatch([[token, token]]) }
        }
        var mixed = try InterleavedBatches(main: Fixed(token: 1), other: Fixed(token: 2), every: 3)
        var firsts: [Int] = []
        for _ in 0..<6 { firsts.append(try #require(try mixed.nextBatch()).sequences[0][0]) }
        #expect(firsts == [1, 1, 2, 1, 1, 2])
        #expect(throws: TuningError.self) {
            try InterleavedBatches(main: Fixed(token: 1), other: Fixed(token: 2), every: 0)
        }
    }

    @Test("a Hydra tuning step on a translation batch moves only target rows")
    func hydraStep() throws {
        let model = try Self.hydraModel()
        let before = model.embeddingMatrix()
        let tuner = try EmbeddingTuner(model: model, options: TuningOptions(sequences: 2, length: 10))
        var stream = try TranslationPairBatches(
            examples: [
                TranslationExample(prompt: [20, 17, 22], target: [3, 9, 4, 15]),
                TranslationExample(prompt: [23, 18], target: [2, 7, 15]),
            ], sequences: 2, maxLength: 10, padding: 15)
        try tuner.step(try #require(try stream.nextBatch()))
        let after = model.embeddingMatrix()
        for r in 16..<24 { #expect(before.row(r) == after.row(r), "source row \(r) moved") }
        #expect((0..<16).contains { before.row($0) != after.row($0) })
    }
}
