import Foundation
import Testing

@testable import Engine

/// One byte per token: id i is the letter "a" + i (enough for the tiny models' 24-token vocabulary); `pairs`
/// additionally encodes "ab" as one token (id 23), so the two codecs' token ends differ.
private struct LetterCodec: TokenCodec {
    var pairs = false
    func encodeIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if pairs, i + 1 < bytes.count, bytes[i] == 97, bytes[i + 1] == 98 {
                ids.append(23)
                i += 2
                continue
            }
            ids.append(Int(bytes[i]) - 97)
            i += 1
        }
        return ids
    }
    func decodeIDs(_ ids: [Int]) -> String { String(decoding: ids.flatMap(tokenBytes), as: UTF8.self) }
    func tokenBytes(_ id: Int) -> [UInt8] { pairs && id == 23 ? [97, 98] : [UInt8(97 + id)] }
    func tokenID(forPiece piece: String) -> Int? { nil }
}

private struct FixedBatches: TuningBatchSource {
    var batches: [TokenBatch]
    mutating func nextBatch() throws -> TokenBatch? { batches.isEmpty ? nil : batches.removeFirst() }
}

@Suite("Tuning: distillation from the source model")
struct TuningDistillationTests {
    @Test(
        "the distillation term's gradient agrees with finite differences (untied and tied)", arguments: [false, true])
    func finiteDifferences(tied: Bool) throws {
        let model = try TuningTestModels.random(seed: 11, tied: tied)
        let h = model.config.hiddenSize
        var random = SeededRandom(seed: 5)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float(random.next() % 2001) / 1000 - 1 } }
        var batch = try TokenBatch([[3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]])
        batch.teacher = [
            DistillationTargets(positions: [0, 3, 7], states: values(3 * h)),
            DistillationTargets(positions: [2, 5], states: values(2 * h)),
        ]
        let weight: Float = 0.7
        func objective() throws -> Double {
            let ws = TrainingWorkspace(config: model.config, sequences: batch.count, length: batch.length)
            let o = try TrainingPass.run(
                model: model, batch: batch, workspace: ws, gradients: nil, distillation: weight)
            return o.meanLoss + o.distillationLoss
        }
        let ws = TrainingWorkspace(config: model.config, sequences: batch.count, length: batch.length)
        let g = TuningGradients(model: model)
        let outcome = try TrainingPass.run(
            model: model, batch: batch, workspace: ws, gradients: g, distillation: weight)
        #expect(outcome.distillationLoss > 0)
        var tables: [(FloatBuffer, FloatBuffer)] = [(model.embedding, g.embedding)]
        if let head = model.head, let gh = g.head { tables.append((head, gh)) }
        for (table, grad) in tables {
            for _ in 0..<3 {
                let raw = values(table.count)
                let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let d = raw.map { $0 / norm }
                let analytic = (0..<table.count).reduce(0.0) { $0 + Double(grad[$1]) * Double(d[$1]) }
                let original = table.array
                let eps: Float = 3e-2
                for i in 0..<table.count { table[i] = original[i] + eps * d[i] }
                let plus = try objective()
                for i in 0..<table.count { table[i] = original[i] - eps * d[i] }
                let minus = try objective()
                for i in 0..<table.count { table[i] = original[i] }
                let numeric = (plus - minus) / (2 * Double(eps))
                #expect(
                    abs(numeric - analytic) <= 1e-2 * abs(analytic) + 1e-4,
                    "tied \(tied): numeric \(numeric) vs analytic \(analytic)")
            }
        }
    }

    @Test(
        "the stream pairs positions that end at the same byte, and a student equal to its teacher has no distillation loss"
    )
    func pairing() throws {
        let model = try TuningTestModels.random(seed: 3, tied: true)
        let sequence = [0, 1, 2, 0, 1, 4, 5, 0] // "abcabefa"
        let batch = try TokenBatch([sequence])
        // Same codec, same table: every position pairs, the states are the student's own.
        var same = try DistillationStream(
            inner: FixedBatches(batches: [batch]), student: model, sourceEmbedding: model.embeddingMatrix(),
            targetCodec: LetterCodec(), sourceCodec: LetterCodec(), maxSourceLength: 16)
        let annotated = try #require(try same.nextBatch())
        let targets = try #require(annotated.teacher?.first)
        #expect(targets.positions == Array(0..<sequence.count))
        let ws = TrainingWorkspace(config: model.config, sequences: 1, length: sequence.count)
        let outcome = try TrainingPass.run(
            model: model, batch: annotated, workspace: ws, gradients: nil, distillation: 1)
        #expect(outcome.distillationLoss < 1e-10)
        // A source codec that reads "ab" as one token: ends at bytes 2 ("ab"), 3, 5 ("ab"), 6, 7, 8; the target's
        // ends are 1…8, so positions 1, 2, 4, 5, 6, 7 pair and 0, 3 (inside "ab") do not.
        var coarse = try DistillationStream(
            inner: FixedBatches(batches: [batch]), student: model, sourceEmbedding: model.embeddingMatrix(),
            targetCodec: LetterCodec(), sourceCodec: LetterCodec(pairs: true), maxSourceLength: 16)
        let paired = try #require(try coarse.nextBatch()?.teacher?.first)
        #expect(paired.positions == [1, 2, 4, 5, 6, 7])
        #expect(paired.states.count == 6 * model.config.hiddenSize)
    }

    @Test("a negative distillation weight is refused")
    func invalidWeight() throws {
        let model = try TuningTestModels.random(seed: 1)
        #expect(throws: TuningError.self) { try EmbeddingTuner(model: model, options: TuningOptions(distillation: -1)) }
    }
}
