import Foundation
import Testing

@testable import Engine

/// `TransferPipeline.align(_:with:)`: which aligner's soft counts reach the mapping (`transtok transfer --aligner`).
@Suite struct TransferAlignerChoiceTests {
    static func corpus() throws -> WordUnitCorpus {
        let source = try ToyVocabulary.fixture("toy_source_vocab.txt")
        let target = try ToyVocabulary.fixture("toy_target_vocab.txt", added: ["<|im_start|>"])
        let pipeline = try TransferPipeline(source: source, target: target, options: MappingOptions(minCount: 1))
        return pipeline.wordUnits(Array(repeating: TransferAlignToMappingTests.pairs, count: 6).flatMap { $0 })
    }

    static func counts(_ t: LexicalTable) -> [String: Double] {
        Dictionary(t.rows.map { ($0.source + "\t" + $0.target, $0.count) }, uniquingKeysWith: +)
    }

    @Test("ibm1 is the paper's table, unchanged")
    func ibm1IsThePaperTable() throws {
        let corpus = try Self.corpus()
        #expect(try TransferPipeline.align(corpus, with: .ibm1) == TransferPipeline.align(corpus))
    }

    @Test("fastalign gives fast_align -d -o -v's kept counts")
    func fastalignTable() throws {
        let corpus = try Self.corpus()
        let model = FastAlignModel(corpus: corpus.parallelCorpus, options: .fastAlign)
        model.train()
        #expect(try TransferPipeline.align(corpus, with: .fastalign) == model.lexicalTable())
    }

    @Test("best gives the HMM's expected counts (not its IBM 2 initialisation's), and they sum to the target tokens")
    func bestUsesTheHMMCounts() throws {
        let corpus = try Self.corpus()
        let ibm = FastAlignModel(corpus: corpus.parallelCorpus, options: .fastAlign)
        ibm.train()
        let hmm = try HMMModel(initializedFrom: ibm, options: HMMOptions())
        hmm.train()
        let table = try TransferPipeline.align(corpus, with: .best)
        var expected: [String: Double] = [:]
        let e = hmm.pairs.conditioning, f = hmm.pairs.generated
        for p in hmm.counts.indices {
            expected[
                hmm.corpus.sourceVocabulary.display(e[p]) + "\t" + hmm.corpus.targetVocabulary.display(f[p]), default: 0
            ] += hmm.counts[p]
        }
        let got = Self.counts(table)
        #expect(!got.isEmpty)
        for (key, count) in got { #expect(abs(count - (expected[key] ?? -1)) < 1e-12, "\(key)") }
        #expect(got != Self.counts(ibm.lexicalTable()))
        // Without the beam every target token's posterior mass (NULL included) is in the table.
        let all = TransferPipeline.lexicalTable(hmm, beam: -.infinity)
        let targetTokens = corpus.sentences.reduce(0) { $0 + $1.target.count }
        #expect(abs(all.rows.reduce(0) { $0 + $1.count } - Double(targetTokens)) < 1e-6)
        #expect(all.rows.count == hmm.probabilities.filter { $0 > 0 }.count)
    }

    @Test("alignTables shares one IBM 2 between fastalign and best and matches the single calls")
    func tablesTogether() throws {
        let corpus = try Self.corpus()
        let all = try TransferPipeline.alignTables(corpus, with: Set(AlignerModel.allCases), threads: 2)
        for a in AlignerModel.allCases { #expect(all[a] == (try TransferPipeline.align(corpus, with: a))) }
    }
}
