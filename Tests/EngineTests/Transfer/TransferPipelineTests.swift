import Engine
import Foundation
import Testing

/// Default-mode pipeline on the toy corpus: raw pairs → word units (private-use codec) → aligner → mapping →
/// embedding rows, plus the mapping checkpoint round trip and an incremental refresh.
@Suite struct TransferPipelineTests {
    @Test func parallelWordUnitsEqualSequential() throws {
        let source = try ToyVocabulary.fixture("toy_source_vocab.txt")
        let target = try ToyVocabulary.fixture("toy_target_vocab.txt", added: ["<|im_start|>"])
        let pipeline = try TransferPipeline(source: source, target: target, options: MappingOptions(minCount: 1))
        // Rotated so that chunks start in different places and each sees units first that others saw earlier.
        let base = TransferAlignToMappingTests.pairs
        let pairs = (0..<1_500).map { base[($0 * 7) % base.count] }
        let sequential = pipeline.wordUnits(pairs)
        for threads in [2, 3, 8] {
            let parallel = pipeline.wordUnits(pairs, threads: threads)
            #expect(
                parallel.sentences.map { $0.source + ["|"] + $0.target }
                    == sequential.sentences.map { $0.source + ["|"] + $0.target })
            #expect(parallel.sourceLexicon.units == sequential.sourceLexicon.units)
            #expect(parallel.targetLexicon.units == sequential.targetLexicon.units)
        }
    }

    /// Units rendered by an earlier call are reused: same sentences, and the lexicons hold only the new units.
    @Test func knownUnitsAreReusedNotRecordedAgain() throws {
        let source = try ToyVocabulary.fixture("toy_source_vocab.txt")
        let target = try ToyVocabulary.fixture("toy_target_vocab.txt", added: ["<|im_start|>"])
        let pipeline = try TransferPipeline(source: source, target: target, options: MappingOptions(minCount: 1))
        let pairs = TransferAlignToMappingTests.pairs
        let (early, late) = (Array(pairs.prefix(pairs.count / 2)), Array(pairs.suffix(from: pairs.count / 2)))
        let first = pipeline.wordUnits(early)
        let whole = pipeline.wordUnits(early + late)
        for threads in [1, 2] {
            let next = pipeline.wordUnits(
                Array(repeating: late, count: 300).flatMap { $0 }, threads: threads, known: first.rendered)
            #expect(
                next.sentences.prefix(late.count).map { $0.source + ["|"] + $0.target }
                    == whole.sentences.suffix(late.count).map { $0.source + ["|"] + $0.target })
            var merged = first.sourceLexicon
            for (unit, ids) in next.sourceLexicon.units {
                #expect(first.sourceLexicon[unit] == nil, "\(unit) was known")
                merged.record(unit, ids)
            }
            #expect(merged.units == whole.sourceLexicon.units)
            var all = first.rendered
            all.merge(next.rendered)
            #expect(all.source == whole.rendered.source && all.target == whole.rendered.target)
        }
    }

    @Test func toyCorpusDefaultModeEndToEnd() throws {
        let source = try ToyVocabulary.fixture("toy_source_vocab.txt")
        let target = try ToyVocabulary.fixture("toy_target_vocab.txt", added: ["<|im_start|>"])
        let pipeline = try TransferPipeline(source: source, target: target, options: MappingOptions(minCount: 1))
        #expect(pipeline.codec.separator == "\u{E000}")
        let pairs = Array(repeating: TransferAlignToMappingTests.pairs, count: 6).flatMap { $0 }
        let corpus = pipeline.wordUnits(pairs)
        #expect(corpus.sourceLexicon["▁un\u{E000}believ\u{E000}able"] == [11, 12, 13])
        let table = TransferPipeline.align(corpus)
        let (mapping, report) = pipeline.mapper(corpus).build(from: table.alignedWordPairs)
        try mapping.validate()
        // Soft counts, not truncated: ▁kat ↔ ▁cat only (15.53 aligned, nothing else).
        #expect(mapping[4].map(\.sourceID) == [4])
        #expect(mapping.rows[4].origin == .aligned)
        // t ← ▁sleeps from the split word pair, plus nothing else.
        #expect(mapping[6].map(\.sourceID) == [5])
        #expect(report.alignment.pairsWithNull >= 1)

        let e = try EmbeddingMatrix(
            rows: source.vocabularySize, columns: 3, values: (0..<(source.vocabularySize * 3)).map { Float($0) })
        let (rows, head) = try pipeline.initialize(.transtok, mapping: mapping, embedding: e, head: e)
        #expect(rows.row(4) == e.row(4))
        #expect(head == rows)

        // Checkpoint round trip, then a refresh that changes one row.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("transtok-mapping-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try TokenMappingFile.write(mapping, to: url)
        var refreshed = try TokenMappingFile.read(from: url)
        #expect(refreshed == mapping)
        refreshed.rows[22] = .init(origin: .aligned, sources: [7], weights: [1])
        var table2 = rows
        try EmbeddingRemapper().remapRows(
            refreshed.changedTargetIDs(comparedTo: mapping), of: e, mapping: refreshed, into: &table2)
        #expect(table2.row(22) == e.row(7))
        #expect(table2.row(4) == rows.row(4))
    }
}
