import Foundation
import Testing

@testable import Engine

@Suite("Tuning: loss and gradients of the embedding rows")
struct TuningGradientTests {
    /// Max |a − b| over max |b|.
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        let scale = b.map(abs).max() ?? 0
        let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return scale > 0 ? diff / scale : diff
    }

    @Test("loss and gradients equal torch autograd (float64) on two tiny Llamas: GQA untied head, GQA tied head")
    func torchParity() throws {
        let references = try TuningTestModels.references()
        #expect(references.count == 2)
        for ref in references {
            let (loss, g) = try TuningTestModels.lossAndGradients(ref.model, ref.batch)
            // F32 forward against an F64 reference: the loss to 1e-5 relative, gradients to 1e-4 of their largest entry.
            #expect(abs(loss - ref.loss) / ref.loss < 1e-5, "\(ref.name): loss \(loss) vs torch \(ref.loss)")
            let h = ref.model.config.hiddenSize
            var ours: [Double] = [], theirs: [Double] = []
            for (k, row) in ref.gradientRows.enumerated() {
                ours += (0..<h).map { Double(g.embedding[row * h + $0]) }
                theirs += ref.embeddingGradient[k]
            }
            let embeddingError = Self.relativeError(ours, theirs)
            #expect(embeddingError < 1e-4, "\(ref.name): embedding gradient relative error \(embeddingError)")
            if let head = ref.headGradient {
                let gh = try #require(g.head)
                let error = Self.relativeError(gh.array.map(Double.init), head.flatMap { $0 })
                #expect(error < 1e-4, "\(ref.name): head gradient relative error \(error)")
                // Untied: rows the batch does not use have no gradient at all.
                let used = Set(ref.batch.sequences.joined())
                for r in 0..<ref.model.config.inputVocabularySize where !used.contains(r) {
                    #expect((0..<h).allSatisfy { g.embedding[r * h + $0] == 0 }, "row \(r) unused but has a gradient")
                }
                #expect(Set(g.touchedRows) == used)
            } else {
                #expect(g.touchedRows.count == ref.model.config.inputVocabularySize)
            }
        }
    }

    /// Directional derivatives by central differences against ⟨gradient, direction⟩, on random tiny models with the
    /// features torch's Llama lacks here: attention biases, a sliding window, a tied head.
    @Test(
        "gradients agree with finite differences (untied + biases + sliding window; tied; multi-query)",
        arguments: [(false, true, 5, 2), (true, false, nil, 2), (false, false, nil, 1)] as [(Bool, Bool, Int?, Int)])
    func finiteDifferences(tied: Bool, bias: Bool, window: Int?, kvHeads: Int) throws {
        let model = try TuningTestModels.random(
            seed: 42, tied: tied, bias: bias, slidingWindow: window, kvHeads: kvHeads)
        let batch = try TokenBatch([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8]])
        let (_, g) = try TuningTestModels.lossAndGradients(model, batch)
        let h = model.config.hiddenSize
        var random = SeededRandom(seed: 7)
        // Unit-norm random directions: a step of eps moves the table by eps in L2.
        func direction(_ n: Int) -> [Float] {
            let d = (0..<n).map { _ in Float(random.next() % 2001) / 1000 - 1 }
            let norm = d.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return d.map { $0 / norm }
        }
        // Perturb the input table, then (untied) the head, along random directions.
        var tables: [(FloatBuffer, FloatBuffer)] = [(model.embedding, g.embedding)]
        if let head = model.head, let gh = g.head { tables.append((head, gh)) }
        for (table, grad) in tables {
            for _ in 0..<3 {
                let d = direction(table.count)
                let analytic = (0..<table.count).reduce(0.0) { $0 + Double(grad[$1]) * Double(d[$1]) }
                let original = table.array
                let eps: Float = 3e-2
                for i in 0..<table.count { table[i] = original[i] + eps * d[i] }
                let plus = try TuningTestModels.loss(model, batch)
                for i in 0..<table.count { table[i] = original[i] - eps * d[i] }
                let minus = try TuningTestModels.loss(model, batch)
                for i in 0..<table.count { table[i] = original[i] }
                let numeric = (plus - minus) / (2 * Double(eps))
                #expect(
                    abs(numeric - analytic) <= 1e-2 * abs(analytic) + 1e-4,
                    "tied \(tied): numeric \(numeric) vs analytic \(analytic)")
            }
        }
        // One single coordinate of a used row, too (the largest gradient entry).
        let row = batch.sequences[0][4]
        let i = (0..<h).max { abs(g.embedding[row * h + $0]) < abs(g.embedding[row * h + $1]) }!
        let saved = model.embedding[row * h + i]
        model.embedding[row * h + i] = saved + 1e-2
        let plus = try TuningTestModels.loss(model, batch)
        model.embedding[row * h + i] = saved - 1e-2
        let minus = try TuningTestModels.loss(model, batch)
        model.embedding[row * h + i] = saved
        let numeric = (plus - minus) / 2e-2
        let analytic = Double(g.embedding[row * h + i])
        #expect(abs(numeric - analytic) <= 1e-2 * abs(analytic) + 1e-4, "coordinate: numeric \(numeric) vs \(analytic)")
    }

    @Test("the body's sliding window changes the loss (the mask is applied)")
    func slidingWindowMatters() throws {
        let batch = try TokenBatch([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3]])
        let full = try TuningTestModels.loss(try TuningTestModels.random(seed: 42), batch)
        let windowed = try TuningTestModels.loss(try TuningTestModels.random(seed: 42, slidingWindow: 3), batch)
        #expect(abs(full - windowed) > 1e-4)
    }

    @Test("bad batches are refused with the offending id")
    func badBatches() throws {
        let model = try TuningTestModels.random(seed: 1)
        #expect(throws: TuningError.self) { try TuningTestModels.loss(model, try TokenBatch([[1, 2, 99]])) }
        #expect(throws: TuningError.invalidBatch("sequences need at least 2 tokens, found 1")) { try TokenBatch([[1]]) }
        #expect(throws: TuningError.self) { try TokenBatch([[1, 2], [1, 2, 3]]) }
    }
}
