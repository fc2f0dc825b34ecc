import Foundation
import Testing

@testable import Engine

@Suite("Hydra head log-prior")
struct HydraPriorTests {
    static func row(_ entries: [(Int, Float)], origin: TokenMapping.Origin = .aligned) -> TokenMapping.Row {
        TokenMapping.Row(origin: origin, sources: entries.map(\.0), weights: entries.map(\.1))
    }

    @Test("b_t by hand: a pure row, a row split over two sources, a row without sources")
    func handComputed() {
        // Target counts 8, 2, 0; source counts 10, 2. Joint mass on s0 = 8 + 2·0.5 = 9 (< 10: the text's count
        // stays), on s1 = 1 (< 2). P(t|s) = (c_t·w + 1/3) / (C_s + 1).
        let mapping = TokenMapping(
            rows: [
                Self.row([(0, 1)]), Self.row([(0, 0.5), (1, 0.5)]),
                TokenMapping.Row(origin: .sourceMean, sources: [], weights: []),
            ], sourceVocabularySize: 2)
        let b = HydraPrior.bias(mapping: mapping, targetCounts: [8, 2, 0], sourceCounts: [10, 2])
        // log((8 + 1/3) / 11)
        #expect(abs(Double(b[0]) - -0.2776317) < 1e-5)
        // ½[log((1 + 1/3) / 11) − log ½] + ½[log((1 + 1/3) / 3) − log ½]
        #expect(abs(Double(b[1]) - -0.7674245) < 1e-5)
        // Mean over both sources with w = ½: log(0 + 1/3) − log ½ − ½(log 11 + log 3)
        #expect(abs(Double(b[2]) - -2.1537189) < 1e-5)
    }

    @Test("the joint mass floors the source count, so P(·|s) never sums above 1")
    func floorAtTheJointMass() {
        // s0 never occurs in the source text, but two target tokens (counts 5 and 3) map onto it purely: C_s0 = 8.
        let mapping = TokenMapping(rows: [Self.row([(0, 1)]), Self.row([(0, 1)])], sourceVocabularySize: 1)
        let b = HydraPrior.bias(mapping: mapping, targetCounts: [5, 3], sourceCounts: [0])
        let conditional = b.map { exp(Double($0)) } // pure rows: b = log P(t|s0)
        #expect(conditional.reduce(0, +) <= 1 + 1e-6)
        #expect(abs(conditional[0] - (5 + 0.5) / 9) < 1e-6 && abs(conditional[1] - (3 + 0.5) / 9) < 1e-6)
    }

    @Test("a token neither text contains gets about −log V_t, not the source token's logit unchanged")
    func unseenTokenIsPushedDown() {
        // Target 0: a straight quote mapped purely to the source quote (s1); neither text has one.
        let v = 1000
        var rows = [Self.row([(1, 1)], origin: .heuristic)]
        rows += (1..<v).map { _ in Self.row([(0, 1)]) }
        let mapping = TokenMapping(rows: rows, sourceVocabularySize: 2)
        let counts = [0.0] + Array(repeating: 10.0, count: v - 1)
        let b = HydraPrior.bias(mapping: mapping, targetCounts: counts, sourceCounts: [9_990, 0])
        #expect(abs(Double(b[0]) - log(1 / Double(v))) < 1e-4)
    }

    /// The case the prior exists for: the body predicts "of"; `de` is the usual translation (aligned 80% to "of",
    /// 20% to "from"), and a rare piece copies "of" exactly. Without the bias the copy wins (its logit is z_of
    /// itself); with it, `de` does.
    @Test("with the bias the frequent translation beats a rare pure copy of the predicted source token")
    func frequentTranslationWins() {
        let of = 0, from = 1
        let mapping = TokenMapping(
            rows: [Self.row([(from, 0.2), (of, 0.8)]), Self.row([(of, 1)], origin: .heuristic)],
            sourceVocabularySize: 2)
        let b = HydraPrior.bias(mapping: mapping, targetCounts: [1_000, 2], sourceCounts: [900, 300])
        let z: [Float] = [10, 6] // source logits: "of" predicted
        let logit = { (t: Int) -> Float in
            zip(mapping.rows[t].sources, mapping.rows[t].weights).reduce(0) { $0 + $1.1 * z[$1.0] }
        }
        #expect(logit(1) > logit(0), "without the bias the pure copy wins")
        #expect(logit(0) + b[0] > logit(1) + b[1], "with it the translation wins")
    }

    /// What a Hydra directory gets: the bound's bias from the two texts' counts, `strength` times.
    @Test("from a mapping and parallel text: strength × the bound from the two sides' unigram counts")
    func fromParallelText() throws {
        let gpt2 = try Tokenizer(
            contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizers/gpt2.tokenizer.json.gz")))
        let mistral = try Tokenizer(
            contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizers/mistral.tokenizer.json.gz")))
        let pairs = [
            (source: "In the beginning", target: "En el principio"), (source: "the earth", target: "la tierra"),
        ]
        // Every target id mapped to one of the first 50 source ids, one row in seven split over two.
        let rows = (0..<mistral.vocabularySize).map { t in
            t % 7 == 0 ? Self.row([(t % 50, 0.5), ((t + 1) % 50, 0.5)]) : Self.row([(t % 50, 1)])
        }
        let mapping = TokenMapping(rows: rows, sourceVocabularySize: gpt2.vocabularySize)
        let prior = HydraPrior(mapping: mapping, pairs: pairs, source: gpt2, target: mistral)
        let bound = HydraPrior.bias(
            mapping: mapping,
            targetCounts: HydraPrior.counts(
                lines: pairs.map(\.target), tokenizer: mistral, endOfSequence: mistral.specialTokenIDs[.eos],
                size: mistral.vocabularySize),
            sourceCounts: HydraPrior.counts(
                lines: pairs.map(\.source), tokenizer: gpt2, endOfSequence: gpt2.specialTokenIDs[.eos],
                size: gpt2.vocabularySize))
        #expect(HydraPrior.strength == 2)
        #expect(prior.headBias.count == mistral.vocabularySize)
        #expect(zip(prior.headBias, bound).allSatisfy { abs($0 - HydraPrior.strength * $1) <= 1e-5 * max(1, abs($0)) })
        let targetTokens = pairs.reduce(0) { $0 + mistral.encode($1.target, addSpecialTokens: false).ids.count }
        let sourceBytes = pairs.reduce(0) { $0 + $1.source.utf8.count }
        #expect(abs(prior.targetTokensPerSourceByte - Double(targetTokens) / Double(sourceBytes)) < 1e-12)
    }
}
