import Engine
import Testing

@Suite struct TransferEmbeddingRemapperTests {
    static func matrix(_ rows: Int, _ cols: Int, seed: Int) -> EmbeddingMatrix {
        var x = UInt64(seed) &+ 1
        let values = (0..<(rows * cols)).map { _ -> Float in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int((x >> 40) % 2001) - 1000) / 1000
        }
        return try! EmbeddingMatrix(rows: rows, columns: cols, values: values)
    }

    static func mapping(_ targets: Int, _ sources: Int, seed: Int) -> TokenMapping {
        var x = UInt64(seed) &+ 3
        func next(_ n: Int) -> Int {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return Int((x >> 33) % UInt64(n))
        }
        let rows = (0..<targets).map { t -> TokenMapping.Row in
            if t % 7 == 3 { return .init(origin: .sourceMean, sources: [], weights: []) }
            var counts: [Int: Double] = [:]
            for _ in 0..<(1 + next(5)) { counts[next(sources), default: 0] += Double(1 + next(9)) }
            return TokenMapping.normalized(counts, origin: .aligned)!
        }
        return TokenMapping(rows: rows, sourceVocabularySize: sources)
    }

    static func naive(_ e: EmbeddingMatrix, _ m: TokenMapping) -> [Double] {
        var out = [Double](repeating: 0, count: m.targetVocabularySize * e.columns)
        for t in 0..<m.targetVocabularySize {
            for j in 0..<e.columns {
                if m.rows[t].origin == .sourceMean {
                    out[t * e.columns + j] =
                        (0..<e.rows).map { Double(e.values[$0 * e.columns + j]) }.reduce(0, +) / Double(e.rows)
                } else {
                    out[t * e.columns + j] = m[t].map {
                        Double($0.weight) * Double(e.values[$0.sourceID * e.columns + j])
                    }.reduce(0, +)
                }
            }
        }
        return out
    }

    @Test(arguments: EmbeddingRemapper.Kernel.allCases)
    func kernelsMatchNaiveSum(kernel: EmbeddingRemapper.Kernel) throws {
        let e = Self.matrix(50, 33, seed: 1)
        let m = Self.mapping(200, 50, seed: 2)
        let out = try EmbeddingRemapper(kernel: kernel, parallelism: 3).remap(e, mapping: m)
        let want = Self.naive(e, m)
        #expect(out.rows == 200 && out.columns == 33)
        for i in 0..<want.count { #expect(abs(Double(out.values[i]) - want[i]) < 1e-5) }
    }

    @Test func blockedSaxpyIsBitIdenticalToSaxpy() throws {
        let e = Self.matrix(60, 70, seed: 4)
        let m = Self.mapping(150, 60, seed: 8)
        var blocked = EmbeddingRemapper(kernel: .blockedSaxpy, parallelism: 2)
        blocked.columnBlock = 16 // 70 columns: four full blocks and a partial one
        #expect(
            try blocked.remap(e, mapping: m)
                == (try EmbeddingRemapper(kernel: .saxpy, parallelism: 1).remap(e, mapping: m)))
    }

    @Test func incrementalRowsEqualFullRecompute() throws {
        let e = Self.matrix(40, 16, seed: 5)
        let old = Self.mapping(120, 40, seed: 6)
        var new = old
        new.rows[10] = .init(origin: .aligned, sources: [3, 4], weights: [0.25, 0.75])
        new.rows[99] = .init(origin: .sourceMean, sources: [], weights: [])
        let changed = new.changedTargetIDs(comparedTo: old)
        #expect(changed == [10, 99] || changed == [10]) // row 99 may already be a mean row
        let remapper = EmbeddingRemapper()
        var table = try remapper.remap(e, mapping: old)
        try remapper.remapRows(changed, of: e, mapping: new, into: &table)
        #expect(table == (try remapper.remap(e, mapping: new)))
    }

    @Test func rejectsBadShapesAndIds() throws {
        let e = Self.matrix(4, 8, seed: 1)
        let bad = TokenMapping(rows: [.init(origin: .aligned, sources: [9], weights: [1])], sourceVocabularySize: 4)
        #expect(throws: TransferError.sourceIDOutOfRange(targetID: 0, sourceID: 9, sourceRows: 4)) {
            try EmbeddingRemapper().remap(e, mapping: bad)
        }
        #expect(throws: TransferError.self) { try EmbeddingMatrix(rows: 2, columns: 3, values: [1]) }
        #expect(throws: TransferError.self) { try bad.validate() }
    }

    @Test func baselines() throws {
        let source = ToyVocabulary(["<unk>", "<s>", "▁cat", "."])
        let target = ToyVocabulary(["<unk>", "<s>", "Ġcat", "Ġkat", "."], scheme: .byteLevel)
        let e = Self.matrix(4, 6, seed: 9)
        let copy = try EmbeddingRemapper().remap(
            e, mapping: BaselineMappings.copyOverlap(source: source, target: target))
        #expect(copy.row(2) == e.row(2))
        #expect(copy.row(4) == e.row(3))
        #expect(copy.row(1) == e.row(1))
        let mean = EmbeddingRemapper.meanRow(e)
        #expect(Array(copy.row(3)) == mean)
        let all = try EmbeddingRemapper().remap(
            e, mapping: BaselineMappings.mean(targetVocabularySize: 5, sourceVocabularySize: 4))
        #expect(Array(all.row(0)) == mean)
        let r1 = RandomEmbedding.sample(rows: 2000, like: e), r2 = RandomEmbedding.sample(rows: 2000, like: e)
        #expect(r1 == r2)
        let column0 = (0..<2000).map { Double(r1.values[$0 * 6]) }
        #expect(abs(column0.reduce(0, +) / 2000 - Double(mean[0])) < 0.1)
    }

    @Test func hydraAssembly() throws {
        let et = Self.matrix(5, 4, seed: 1), es = Self.matrix(7, 4, seed: 2), ut = Self.matrix(5, 4, seed: 3)
        let hydra = try HydraAssembler.assemble(targetEmbedding: et, sourceEmbedding: es, targetHead: ut)
        #expect(hydra.inputEmbedding.rows == 12)
        #expect(hydra.inputEmbedding.row(hydra.inputID(forSourceID: 2)) == es.row(2))
        #expect(hydra.inputEmbedding.row(4) == et.row(4))
        #expect(hydra.outputHead == ut)
        #expect(
            hydra.config.inputVocabSize == 12 && hydra.config.outputVocabSize == 5 && hydra.config.sourceIDOffset == 5)
        #expect(throws: TransferError.self) {
            try HydraAssembler.assemble(targetEmbedding: et, sourceEmbedding: Self.matrix(2, 3, seed: 1))
        }
    }
}
