import Foundation
import Testing

@testable import Engine

@Suite("Tuning: Adam steps, state file, batches")
struct TuningOptimizerTests {
    static let batch = try! TokenBatch([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5]])

    final class FixedBatches: TuningBatchSource {
        let batch: TokenBatch
        init(_ batch: TokenBatch) { self.batch = batch }
        func nextBatch() throws -> TokenBatch? { batch }
    }

    @Test(
        "a few Adam steps lower the loss on a fixed batch (tied and untied), and only trainable rows move",
        arguments: [false, true])
    func adamLowersLoss(tied: Bool) throws {
        let model = try TuningTestModels.random(seed: 3, tied: tied)
        let before = model.embeddingMatrix()
        let tuner = try EmbeddingTuner(
            model: model, options: TuningOptions(sequences: 2, length: 12, adam: AdamOptions(learningRate: 2e-2)))
        let initial = try tuner.loss(Self.batch)
        var losses: [Double] = []
        var source = FixedBatches(Self.batch)
        let result = try tuner.run(budget: TuningBudget(steps: 10), batches: &source) { p in
            losses.append(p.loss)
            return .proceed
        }
        #expect(result.steps == 10 && result.tokens == 10 * Self.batch.scoredTokens)
        #expect(losses.first == initial)
        let final = try tuner.loss(Self.batch)
        #expect(final < 0.8 * initial, "loss \(initial) → \(final)")
        // Untied: rows the batch never uses keep their values exactly.
        let after = model.embeddingMatrix()
        let used = Set(Self.batch.sequences.joined())
        for r in 0..<before.rows {
            let moved = before.row(r) != after.row(r)
            #expect(moved == (tied || used.contains(r)), "row \(r)")
        }
    }

    @Test("a Hydra-style model trains only its target block")
    func trainableBlock() throws {
        let model = try TuningTestModels.random(seed: 4, tied: false)
        let restricted = try TuningModel(
            config: model.config, body: model.body, embedding: model.embeddingMatrix(),
            head: model.headMatrix(), trainableInputRows: 0..<6)
        let before = restricted.embeddingMatrix()
        let tuner = try EmbeddingTuner(model: restricted, options: TuningOptions(sequences: 2, length: 12))
        try tuner.step(Self.batch)
        let after = restricted.embeddingMatrix()
        for r in 0..<before.rows {
            let used = Self.batch.sequences.joined().contains(r)
            #expect((before.row(r) != after.row(r)) == (r < 6 && used), "row \(r)")
        }
    }

    @Test("the state file restores rows and moments exactly; damaged or foreign files are refused without changes")
    func stateRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tuning-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tuning.state").path
        let options = TuningOptions(sequences: 2, length: 12, adam: AdamOptions(learningRate: 1e-2))

        let a = try TuningTestModels.random(seed: 5)
        let tunerA = try EmbeddingTuner(model: a, options: options)
        for _ in 0..<3 { try tunerA.step(Self.batch) }
        try tunerA.saveState(to: path, fingerprint: "model-a")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["tuning.state"]) // no temp left

        let b = try TuningTestModels.random(seed: 5)
        #expect(throws: TuningError.self) { try TuningStateFile.load(from: path, into: b, fingerprint: "model-b") }
        #expect(b.embeddingMatrix() != a.embeddingMatrix()) // refused without changes
        let state = try TuningStateFile.load(from: path, into: b, fingerprint: "model-a")
        #expect(state.step == 3 && state.tokensSeen == 3 * Self.batch.scoredTokens)
        #expect(b.embeddingMatrix() == a.embeddingMatrix() && b.headMatrix() == a.headMatrix())
        let tunerB = try EmbeddingTuner(model: b, options: options, state: state)
        // The next step is bit-identical whether or not tuning was interrupted.
        try tunerA.step(Self.batch)
        try tunerB.step(Self.batch)
        #expect(b.embeddingMatrix() == a.embeddingMatrix() && b.headMatrix() == a.headMatrix())

        // Damaged: flip one byte in the middle.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let fresh = try TuningTestModels.random(seed: 5)
        let pristine = fresh.embeddingMatrix()
        bytes[bytes.count / 2] ^= 0x40
        let damaged = dir.appendingPathComponent("damaged.state").path
        try bytes.write(to: URL(fileURLWithPath: damaged))
        #expect(throws: TuningError.stateFile(path: damaged, reason: "checksum mismatch (file damaged or truncated)")) {
            try TuningStateFile.load(from: damaged, into: fresh, fingerprint: "model-a")
        }
        // Truncated.
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: damaged))
        #expect(throws: TuningError.self) {
            try TuningStateFile.load(from: damaged, into: fresh, fingerprint: "model-a")
        }
        // Written for another shape (tied model has no head block).
        let tied = try TuningTestModels.random(seed: 5, tied: true)
        #expect(throws: TuningError.self) { try TuningStateFile.load(from: path, into: tied, fingerprint: "model-a") }
        #expect(fresh.embeddingMatrix() == pristine)
    }

    @Test("chunk stream: fixed-length chunks, every chunk once per epoch, same order for the same seed")
    func chunkStream() throws {
        let tokens = Array(0..<50)
        var s1 = try TokenChunkStream(tokens: tokens, length: 8, sequences: 2, seed: 9)
        var s2 = try TokenChunkStream(tokens: tokens, length: 8, sequences: 2, seed: 9)
        #expect(s1.chunkCount == 7) // starts 0, 7, …, 42
        var firsts: [Int] = []
        for _ in 0..<7 {
            let b1 = try #require(try s1.nextBatch()), b2 = try #require(try s2.nextBatch())
            #expect(b1 == b2)
            for seq in b1.sequences {
                #expect(seq.count == 8 && seq == Array(seq[0]..<(seq[0] + 8)))
                firsts.append(seq[0])
            }
        }
        #expect(Set(firsts.prefix(7)) == Set(stride(from: 0, through: 42, by: 7)))
        #expect(Set(firsts.suffix(7)) == Set(stride(from: 0, through: 42, by: 7)))
        #expect(firsts.prefix(7) != firsts.suffix(7)) // reshuffled
        #expect(s1.epoch == 1)
        #expect(throws: TuningError.self) { try TokenChunkStream(tokens: Array(0..<5), length: 8, sequences: 1) }
    }

    @Test("held-out windows score every token but each window's first, and count their bytes")
    func heldOut() throws {
        let text = try TuningText(tokens: Array(0..<10), byteCounts: [1, 2, 3, 1, 1, 1, 1, 1, 1, 5])
        let set = try HeldOutSet(text: text, length: 4)
        #expect(set.windows == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(set.scoredTokens == 3 + 3 + 1)
        #expect(set.bytes == (2 + 3 + 1) + (1 + 1 + 1) + 5)
        let split = TuningText.splitTail((0..<100).map(String.init), fraction: 0.05, maxLines: 3)
        #expect(split.heldOut == ["97", "98", "99"] && split.train.count == 97)
        let model = try TuningTestModels.random(seed: 6, vocabulary: 24)
        let tuner = try EmbeddingTuner(model: model, options: TuningOptions(sequences: 2, length: 4))
        let score = try tuner.evaluate(set)
        let direct =
            try TuningTestModels.loss(model, try TokenBatch([[0, 1, 2, 3], [4, 5, 6, 7]])) * 6
            + TuningTestModels.loss(model, try TokenBatch([[8, 9]]))
        #expect(abs(score.totalNLL - direct) < 1e-9 * direct)
        #expect(abs(score.bitsPerByte - direct / log(2) / Double(set.bytes)) < 1e-12)
    }

    @Test(
        "held-out scoring equals the runtime's Evaluator (window = stride = length) on the same weights",
        arguments: [false, true])
    func heldOutMatchesRuntime(tied: Bool) throws {
        let (model, weights) = try TuningTestModels.randomWithWeights(seed: 8, tied: tied, bias: true)
        let tokens = (0..<40).map { ($0 * 7 + 3) % 24 }
        let text = try TuningText(tokens: tokens, byteCounts: Array(repeating: 1, count: tokens.count))
        let set = try HeldOutSet(text: text, length: 16)
        let ours = try EmbeddingTuner(model: model, options: TuningOptions(sequences: 2, length: 16)).evaluate(set)
        let runtime = try LlamaModel(config: model.config, weights: weights)
        let theirs = try Evaluator(model: runtime, window: 16, stride: 16).evaluate(tokens: tokens, bytes: set.bytes)
        #expect(theirs.tokens == ours.scoredTokens)
        #expect(
            abs(theirs.totalNLL - ours.totalNLL) < 1e-5 * theirs.totalNLL,
            "runtime \(theirs.totalNLL) vs tuner \(ours.totalNLL)")
    }

    /// One id per UTF-8 byte.
    struct ByteCodec: TokenCodec {
        func encodeIDs(_ text: String) -> [Int] { text.utf8.map { Int($0) } }
        func decodeIDs(_ ids: [Int]) -> String { String(decoding: ids.map { UInt8($0) }, as: UTF8.self) }
        func tokenBytes(_ id: Int) -> [UInt8] { [UInt8(id)] }
        func tokenID(forPiece piece: String) -> Int? { piece.utf8.count == 1 ? Int(piece.utf8.first!) : nil }
    }

    @Test("tuning text: lines joined by newlines (empty ones dropped), the same stream for any block size")
    func tuningText() {
        let lines = ["ab", "", "ñ", "c"]
        let one = TuningText(lines: lines, codec: ByteCodec(), linesPerBlock: 1)
        let all = TuningText(lines: lines, codec: ByteCodec(), linesPerBlock: 64)
        #expect(one.tokens == Array("ab\nñ\nc\n".utf8).map(Int.init))
        #expect(all.tokens == one.tokens && all.bytes == 8)
    }
}
