import Foundation
import Testing

@testable import Engine

/// `HydraLexicon`: built from the aligner's table, its file, and source-paced decoding choosing among its words.
@Suite("Runtime: the Hydra lexicon")
struct HydraLexiconTests {
    typealias Candidate = HydraLexicon.Candidate

    @Test("from the aligner's table: NULL rows and unknown units skipped, best first, at most 8 per word")
    func fromTable() {
        var sourceUnits = WordUnitLexicon(), targetUnits = WordUnitLexicon()
        sourceUnits.record("the", [1])
        sourceUnits.record("earth", [2, 3])
        for n in 0..<10 { targetUnits.record("t\(n)", [100 + n, 200]) }
        var rows = [
            LexicalTable.Row(source: "the", target: "t1", logProbability: -2, count: 1),
            LexicalTable.Row(source: "the", target: "t0", logProbability: -0.5, count: 1),
            LexicalTable.Row(source: "the", target: "<eps>", logProbability: -0.1, count: 1),
            LexicalTable.Row(source: "<eps>", target: "t2", logProbability: -0.1, count: 1),
            LexicalTable.Row(source: "the", target: "unknown", logProbability: -0.1, count: 1),
            LexicalTable.Row(source: "unknown", target: "t2", logProbability: -0.1, count: 1),
        ]
        for n in 0..<10 {
            rows.append(LexicalTable.Row(source: "earth", target: "t\(n)", logProbability: -Double(n), count: 1))
        }
        let lexicon = HydraLexicon(
            table: LexicalTable(rows: rows), sourceUnits: sourceUnits, targetUnits: targetUnits)
        #expect(
            lexicon.candidates(for: [1]) == [
                Candidate(target: [100, 200], logProbability: -0.5), Candidate(target: [101, 200], logProbability: -2),
            ])
        #expect(
            lexicon.candidates(for: [2, 3])
                == (0..<HydraLexicon.candidatesPerWord).map {
                    Candidate(target: [100 + $0, 200], logProbability: -Float($0))
                })
        #expect(lexicon.entries.count == 2 && lexicon.candidates(for: [2]).isEmpty)
    }

    @Test("the file round-trips; a bad line is refused with the file and line named")
    func file() throws {
        let lexicon = HydraLexicon(entries: [
            [5, 6]: [Candidate(target: [7], logProbability: -0.25), Candidate(target: [8, 9], logProbability: -1.5)],
            [10]: [Candidate(target: [11], logProbability: 0)],
        ])
        let bytes = lexicon.tsv
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "# source_ids\ttarget_ids\tlog_t(f|e)\n5 6\t7\t-0.25\n5 6\t8 9\t-1.5\n10\t11\t0.0\n")
        #expect(
            try HydraLexicon(tsv: bytes, path: "x.tsv", sourceVocabularySize: 11, targetVocabularySize: 12) == lexicon)
        let bad: [(String, String)] = [
            ("5\t7\n", "x.tsv:2: expected 3 tab-separated fields (source ids, target ids, log t(f|e)), found 2"),
            ("11\t7\t-1\n", "x.tsv:2: source id '11' is not a token id below 11"),
            ("5\t-1\t-1\n", "x.tsv:2: target id '-1' is not a token id below 12"),
            ("\t7\t-1\n", "x.tsv:2: no source ids"),
            ("5\t7\t0.5\n", "x.tsv:2: log t(f|e) '0.5' is not a finite number ≤ 0"),
            ("5\t7\tnan\n", "x.tsv:2: log t(f|e) 'nan' is not a finite number ≤ 0"),
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
