import Foundation
import Testing

@testable import Engine

/// The paper's aligner path: `fast_align -i toy.moses -I 7 -p table` of the authors' fork on the spec's toy corpus
/// (transtokenization.md §7, 8 lines × 6). The expected table was produced by the reference binary.
@Suite struct Model1ParityTests {
    static func toyCorpus() throws -> ParallelCorpus {
        try CorpusReader().read(bitext: TestPaths.fixture("alignment/toy.moses"))
    }

    @Test func toyTableMatchesReferenceRows() throws {
        let model = FastAlignModel(corpus: try Self.toyCorpus(), options: .paperModel1)
        model.train()
        let table = model.lexicalTable()
        let expected = try LexicalTable(contentsOf: TestPaths.fixture("alignment/toy.expected.tsv"))
        #expect(table.rows.count == expected.rows.count, "rows: \(table.tsv)")
        for want in expected.rows {
            let got = table.rows.first { $0.source == want.source && $0.target == want.target }
            #expect(got != nil, "missing row \(want.source) \(want.target)")
            guard let got else { continue }
            #expect(
                abs(got.logProbability - want.logProbability) <= 1e-4,
                "\(want.source) \(want.target) ln t \(got.logProbability)")
            #expect(abs(got.count - want.count) <= 1e-4, "\(want.source) \(want.target) count \(got.count)")
        }
    }

    @Test func countsComeFromThePenultimatePass() throws {
        // With -I 7 the kept counts are those of pass 6, which differ from pass 5's (what -I 6 would keep).
        let corpus = try Self.toyCorpus()
        let seven = FastAlignModel(corpus: corpus, options: .paperModel1)
        seven.train()
        var sixOptions = FastAlignOptions.paperModel1
        sixOptions.iterations = 6
        let six = FastAlignModel(corpus: corpus, options: sixOptions)
        six.train()
        let a = seven.lexicalTable(beam: nil).rows.first { $0.source == "▁cat" && $0.target == "▁kat" }
        let b = six.lexicalTable(beam: nil).rows.first { $0.source == "▁cat" && $0.target == "▁kat" }
        #expect(a != nil && b != nil)
        #expect(abs((a?.count ?? 0) - 15.5319) < 1e-4)
        #expect(abs((a?.count ?? 0) - (b?.count ?? 0)) > 1e-3)
    }

    @Test func beamKeepsOnlyPairsAboveMaxToTheFourth() throws {
        let model = FastAlignModel(corpus: try Self.toyCorpus(), options: .paperModel1)
        model.train()
        let all = model.lexicalTable(beam: nil).rows
        let kept = Set(model.lexicalTable().rows.map { $0.source + " " + $0.target })
        var maxima: [String: Double] = [:]
        for r in all { maxima[r.source] = max(maxima[r.source] ?? -.infinity, r.logProbability) }
        #expect(all.count > kept.count)
        for r in all {
            let keep = r.logProbability >= 4 * maxima[r.source]!
            #expect(kept.contains(r.source + " " + r.target) == keep, "\(r)")
        }
    }

    @Test func tsvHasFourColumnsAndPrintfFormatting() throws {
        let model = FastAlignModel(corpus: try Self.toyCorpus(), options: .paperModel1)
        model.train()
        let lines = model.lexicalTable().tsv.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines.contains("▁cat\t▁kat\t-0.143272\t15.5319"))
        #expect(lines.allSatisfy { $0.split(separator: "\t").count == 4 })
    }

    @Test func resultIsIndependentOfThreadCount() throws {
        let corpus = try CorpusReader().read(
            source: TestPaths.fixture("alignment/grc300.grc"),
            target: TestPaths.fixture("alignment/grc300.eng"))
        var one = FastAlignOptions.fastAlign
        one.threads = 1
        var three = one
        three.threads = 3
        let a = FastAlignModel(corpus: corpus, options: one), b = FastAlignModel(corpus: corpus, options: three)
        a.train()
        b.train()
        #expect(a.probabilities == b.probabilities)
        #expect(a.keptCounts == b.keptCounts)
        #expect(a.tension == b.tension)
        #expect(a.align() == b.align())
    }
}
