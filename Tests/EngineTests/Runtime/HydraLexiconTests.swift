import Foundation
import Testing

@testable import Engine

/// `HydraLexicon`: built from the aligner's table, its file, and source-paced decoding choosing among its words.
@Suite("Runtime: the Hydra lexicon")
struct HydraLexiconTests {
    typealias Candidate = HydraLexicon.Candidate

    @Test("from the aligner's table: both directions, NULL rows and unknown units skipped, best first, at most 8")
    func fromTable() {
        var sourceUnits = WordUnitLexicon(), targetUnits = WordUnitLexicon()
        sourceUnits.record("the", [1])
        sourceUnits.record("of", [4])
        sourceUnits.record("earth", [2, 3])
        for n in 0..<10 { targetUnits.record("t\(n)", [100 + n, 200]) }
        var rows = [
            // "the" → t0 (t = e^-0.5, count 1) and t1 (t = e^-1.5, count 3); "of" also gives t0 3 counts.
            LexicalTable.Row(source: "the", target: "t1", logProbability: -1.5, count: 3),
            LexicalTable.Row(source: "the", target: "t0", logProbability: -0.5, count: 1),
            LexicalTable.Row(source: "of", target: "t0", logProbability: -0.1, count: 3),
            LexicalTable.Row(source: "the", target: "<eps>", logProbability: -0.1, count: 1),
            LexicalTable.Row(source: "<eps>", target: "t0", logProbability: -0.1, count: 100),
            LexicalTable.Row(source: "the", target: "unknown", logProbability: -0.1, count: 1),
            LexicalTable.Row(source: "unknown", target: "t2", logProbability: -0.1, count: 1),
        ]
        for n in 0..<10 {
            rows.append(LexicalTable.Row(source: "earth", target: "t\(n)", logProbability: -Double(n), count: 1))
        }
        let lexicon = HydraLexicon(
            table: LexicalTable(rows: rows), sourceUnits: sourceUnits, targetUnits: targetUnits)
        // t0's counts: the 1, of 3, earth 1 (the NULL source's 100 left out), so p(the|t0) = 1/5; t1's: the 3,
        // earth 1, so p(the|t1) = 3/4. t1 wins on t(f|e)·p(e|f) (e^-1.5 · 3/4 > e^-0.5 · 1/5) though t0 has the
        // higher t(f|e).
        let the = lexicon.candidates(for: [1])
        #expect(the.map(\.target) == [[101, 200], [100, 200]])
        #expect(abs(the[0].forward + 1.5) < 1e-6 && abs(the[0].reverse - Float(log(3.0 / 4))) < 1e-6)
        #expect(abs(the[1].forward + 0.5) < 1e-6 && abs(the[1].reverse - Float(log(1.0 / 5))) < 1e-6)
        let earth = lexicon.candidates(for: [2, 3])
        #expect(earth.count == HydraLexicon.candidatesPerWord)
        #expect(zip(earth, earth.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(lexicon.entries.count == 3 && lexicon.candidates(for: [2]).isEmpty)
    }

    @Test("the file round-trips; a bad line is refused with the file and line named")
    func file() throws {
        let lexicon = HydraLexicon(entries: [
            [5, 6]: [
                Candidate(target: [7], forward: -0.25, reverse: -0.5),
                Candidate(target: [8, 9], forward: -1.5, reverse: 0),
            ],
            [10]: [Candidate(target: [11], forward: 0, reverse: -2)],
        ])
        let bytes = lexicon.tsv
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "# source_ids\ttarget_ids\tlog_t(f|e)\tlog_p(e|f)\n5 6\t7\t-0.25\t-0.5\n5 6\t8 9\t-1.5\t0.0\n10\t11\t0.0\t-2.0\n"
        )
        #expect(
            try HydraLexicon(tsv: bytes, path: "x.tsv", sourceVocabularySize: 11, targetVocabularySize: 12) == lexicon)
        let bad: [(String, String)] = [
            (
                "5\t7\t-1\n",
                "x.tsv:2: expected 4 tab-separated fields (source ids, target ids, log t(f|e), log p(e|f)), found 3"
            ),
            ("11\t7\t-1\t0\n", "x.tsv:2: source id '11' is not a token id below 11"),
            ("5\t-1\t-1\t0\n", "x.tsv:2: target id '-1' is not a token id below 12"),
            ("\t7\t-1\t0\n", "x.tsv:2: no source ids"),
            ("5\t7\t0.5\t0\n", "x.tsv:2: log t(f|e) '0.5' is not a finite number ≤ 0"),
            ("5\t7\t-1\tnan\n", "x.tsv:2: log p(e|f) 'nan' is not a finite number ≤ 0"),
        ]
        for (line, message) in bad {
            do {
                _ = try HydraLexicon(
                    tsv: Array(("# header\n" + line).utf8), path: "x.tsv", sourceVocabularySize: 11,
                    targetVocabularySize: 12)
                Issue.record("accepted \(line)")
            } catch {
                #expect(error.description == message)
            }
        }
    }
}
