import Foundation
import Testing

@testable import Engine

@Suite("Tuning: re-initialising rows")
struct TuningRowResetTests {
    @Test("reset rows take the given values and zero moments; the other rows keep values and moments")
    func resetRows() throws {
        let model = try TuningTestModels.random(seed: 5, tied: false)
        let initial = model.embeddingMatrix(), initialHead = try #require(model.headMatrix())
        let tuner = try EmbeddingTuner(
            model: model, options: TuningOptions(sequences: 2, length: 12, adam: AdamOptions(learningRate: 2e-2)))
        var source = TuningOptimizerTests.FixedBatches(TuningOptimizerTests.batch)
        _ = try tuner.run(budget: TuningBudget(steps: 3), batches: &source)
        let tuned = model.embeddingMatrix(), tunedHead = try #require(model.headMatrix())
        let h = model.config.hiddenSize
        // Rows 3 and 5 are in the batch: tuned, with non-zero moments.
        let reset = [3, 5], kept = 1
        #expect(tuned.row(3) != initial.row(3) && tuned.row(kept) != initial.row(kept))
        #expect(tuner.rowsDiffering(from: tuned, head: tunedHead).isEmpty)
        #expect(Set(tuner.rowsDiffering(from: initial, head: initialHead)).isSuperset(of: [1, 3, 5]))
        let first = tuner.state.inputFirstMoment, headFirst = try #require(tuner.state.headFirstMoment)
        let moment = { (row: Int) in Array(UnsafeBufferPointer(start: first.pointer + row * h, count: h)) }
        let headMoment = { (row: Int) in Array(UnsafeBufferPointer(start: headFirst.pointer + row * h, count: h)) }
        let keptMoment = moment(kept), keptHeadMoment = headMoment(kept)
        #expect(keptMoment.contains { $0 != 0 } && moment(3).contains { $0 != 0 })

        try tuner.resetRows(reset, embedding: initial, head: initialHead)
        let after = model.embeddingMatrix(), afterHead = try #require(model.headMatrix())
        for r in reset {
            #expect(after.row(r) == initial.row(r) && afterHead.row(r) == initialHead.row(r), "row \(r)")
            #expect(moment(r).allSatisfy { $0 == 0 } && headMoment(r).allSatisfy { $0 == 0 }, "row \(r)")
        }
        #expect(after.row(kept) == tuned.row(kept) && afterHead.row(kept) == tunedHead.row(kept))
        #expect(moment(kept) == keptMoment && headMoment(kept) == keptHeadMoment)
        #expect(tuner.rowsDiffering(from: initial, head: initialHead).allSatisfy { !reset.contains($0) })
        // Tables of another shape are refused, naming the tensor.
        let small = EmbeddingMatrix(zeros: 2, columns: h)
        #expect { try tuner.resetRows([0], embedding: small, head: initialHead) } throws: {
            "\($0)".contains("model.embed_tokens.weight")
        }
    }

    @Test("replaced rows without a moment reset take the given values and keep their moments")
    func replaceRowsKeepingMoments() throws {
        let model = try TuningTestModels.random(seed: 6, tied: false)
        let initial = model.embeddingMatrix(), initialHead = try #require(model.headMatrix())
        let tuner = try EmbeddingTuner(
            model: model, options: TuningOptions(sequences: 2, length: 12, adam: AdamOptions(learningRate: 2e-2)))
        var source = TuningOptimizerTests.FixedBatches(TuningOptimizerTests.batch)
        _ = try tuner.run(budget: TuningBudget(steps: 3), batches: &source)
        let h = model.config.hiddenSize
        let first = tuner.state.inputFirstMoment, headFirst = try #require(tuner.state.headFirstMoment)
        let moment = { (row: Int) in Array(UnsafeBufferPointer(start: first.pointer + row * h, count: h)) }
        let headMoment = { (row: Int) in Array(UnsafeBufferPointer(start: headFirst.pointer + row * h, count: h)) }
        let before = (moment(3), headMoment(3))
        #expect(before.0.contains { $0 != 0 } && before.1.contains { $0 != 0 })
        try tuner.replaceRows([3], embedding: initial, head: initialHead, resetMoments: false)
        #expect(model.embeddingMatrix().row(3) == initial.row(3))
        #expect(try #require(model.headMatrix()).row(3) == initialHead.row(3))
        #expect(moment(3) == before.0 && headMoment(3) == before.1)
    }
}
