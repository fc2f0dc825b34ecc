import Foundation
import Testing

@testable import Engine

/// chrF against sacreBLEU 2.x (`CHRF()` defaults) on `Fixtures/chrf/chrf_reference.json`
/// (made by `scripts/reference/make_chrf_fixture.py`).
@Suite("Evaluation: chrF matches sacreBLEU")
struct ChrFTests {
    struct Fixture: Decodable {
        struct Sentence: Decodable {
            var hypothesis: String
            var reference: String
            var score: Double
        }
        struct Corpus: Decodable {
            var name: String
            var hypotheses: [String]
            var references: [String]
            var score: Double
        }
        var sentences: [Sentence]
        var corpora: [Corpus]
    }

    static func fixture() throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("chrf/chrf_reference.json")))
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    @Test("sentence scores equal sacreBLEU's (edge cases, punctuation, non-Latin scripts, Bible verses)")
    func sentences() throws {
        let f = try Self.fixture()
        #expect(f.sentences.count >= 50)
        let chrf = ChrF()
        for s in f.sentences {
            let got = chrf.sentenceScore(hypothesis: s.hypothesis, reference: s.reference)
            #expect(
                abs(got - s.score) < 1e-9,
                "hyp \(s.hypothesis.debugDescription) ref \(s.reference.debugDescription): \(got) vs sacreBLEU \(s.score)"
            )
        }
    }

    @Test("corpus scores pool statistics before scoring, as sacreBLEU's corpus_score")
    func corpora() throws {
        let f = try Self.fixture()
        let chrf = ChrF()
        for c in f.corpora {
            let got = try chrf.corpusScore(hypotheses: c.hypotheses, references: c.references)
            #expect(abs(got - c.score) < 1e-9, "\(c.name): \(got) vs sacreBLEU \(c.score)")
            // Pooling differs from averaging sentence scores whenever sentences differ in length and quality.
            if c.name.hasPrefix("40 perturbed") {
                let mean =
                    zip(c.hypotheses, c.references).map { chrf.sentenceScore(hypothesis: $0, reference: $1) }.reduce(
                        0, +) / Double(c.hypotheses.count)
                #expect(abs(mean - got) > 1e-6)
            }
        }
    }

    @Test("a corpus needs one reference per hypothesis")
    func lengthMismatch() {
        #expect(throws: ChrF.Failure.lengthMismatch(hypotheses: 2, references: 1)) {
            try ChrF().corpusScore(hypotheses: ["a", "b"], references: ["a"])
        }
    }
}
