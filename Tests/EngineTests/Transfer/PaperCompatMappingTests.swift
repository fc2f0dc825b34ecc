import Engine
import Foundation
import Testing

/// `--paper-compat` against the golden fixture made by `scripts/reference/map_tokens_reference.py` (a
/// re-implementation of the reference `map_tokens`/`smooth_mapping` semantics from the spec) on the spec's toy
/// lexical table (§7) and toy vocabularies.
@Suite struct TransferPaperCompatMappingTests {
    struct Expected: Decodable {
        let id: Int
        let token: String
        let counts: [String: Int]
        let coefficients: [[Coefficient]]
        let direct: Bool
    }

    enum Coefficient: Decodable {
        case token(String?), weight(Double)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) {
                self = .weight(d)
            } else {
                self = .token(try? c.decode(String.self))
            }
        }
    }

    static func load() throws -> (ToyVocabulary, ToyVocabulary, [AlignedWordPair], [String: [Expected]]) {
        let source = try ToyVocabulary.fixture("toy_source_vocab.txt")
        let target = try ToyVocabulary.fixture("toy_target_vocab.txt", added: ["<|im_start|>"])
        let table = try LexicalTableTSV.parse(
            String(contentsOfFile: TestPaths.fixture("transfer/toy_lexical_table.tsv"), encoding: .utf8))
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("transfer/toy_mapping_paper.json")))
        return (source, target, table, try JSONDecoder().decode([String: [Expected]].self, from: data))
    }

    @Test(arguments: [1, 10])
    func countsMatchReference(minCount: Int) throws {
        let (source, target, table, golden) = try Self.load()
        let expected = try #require(golden["min_count_\(minCount)"])
        var options = MappingOptions.paper
        options.minCount = Double(minCount)
        let mapper = TokenMapper(source: source, target: target, codec: .paper, options: options)
        let (alignment, _) = mapper.alignmentCounts(from: table)
        let completed = mapper.completedCounts(from: alignment)
        #expect(expected.count == target.vocabularySize)
        for row in expected {
            var got: [String: Int] = [:]
            for (s, c) in completed.table.rows[row.id] { got[source.pieces[s], default: 0] += Int(c) }
            #expect(got == row.counts, "target \(row.token)")
            #expect(completed.table.isMapped(row.id) == !row.counts.isEmpty)
        }
    }

    @Test func normalisedWeightsMatchReference() throws {
        let (source, target, table, golden) = try Self.load()
        let expected = try #require(golden["min_count_1"])
        var options = MappingOptions.paper
        options.minCount = 1
        let (mapping, report) = TokenMapper(source: source, target: target, codec: .paper, options: options).build(
            from: table)
        for row in expected {
            var want: [Int: Double] = [:]
            for pair in row.coefficients {
                guard case let .token(name)? = pair.first, case let .weight(w)? = pair.last else { continue }
                // The reference's unmapped row names the *target* unk string, resolved in the source vocabulary.
                let id = name.flatMap { source.id(forPiece: $0) } ?? 0
                want[id, default: 0] += w
            }
            let got = Dictionary(mapping[row.id].map { ($0.sourceID, Double($0.weight)) }, uniquingKeysWith: +)
            #expect(Set(got.keys) == Set(want.keys), "target \(row.token)")
            for (s, w) in want { #expect(abs((got[s] ?? -1) - w) < 1e-6, "target \(row.token) source \(s)") }
            // Ascending order, as the reference sums.
            let weights = mapping[row.id].map(\.weight)
            #expect(weights == weights.sorted())
        }
        #expect(report.fallbackTokens.map(\.piece) == ["zz"])
    }

    /// The spec's worked example (§1.6), independent of the Python fixture.
    @Test func workedExampleSplit() throws {
        let (source, target, _, _) = try Self.load()
        var table = CountTable(targetVocabularySize: target.vocabularySize)
        let o = ["▁un", "believ", "able"].compactMap { source.id(forPiece: $0) }
        let n = ["▁ongelo", "of", "lijk", "e"].compactMap { target.id(forPiece: $0) }
        PairSplitter.add(count: 5, source: o, target: n, arithmetic: .paper, into: &table)
        func row(_ t: String) -> [String: Double] {
            Dictionary(
                uniqueKeysWithValues: table.rows[target.id(forPiece: t) ?? -1].map { (source.pieces[$0.key], $0.value) }
            )
        }
        #expect(row("▁ongelo") == ["▁un": 4, "believ": 1, "able": 1])
        #expect(row("of") == ["▁un": 2, "believ": 3, "able": 1])
        #expect(row("lijk") == ["▁un": 1, "believ": 3, "able": 2])
        #expect(row("e") == ["▁un": 1, "believ": 1, "able": 4])
    }

    @Test func minCountTenDropsTheLongWordLikeTheSpec() throws {
        let (source, target, table, _) = try Self.load()
        let mapper = TokenMapper(source: source, target: target, codec: .paper, options: .paper)
        let (alignment, stats) = mapper.alignmentCounts(from: table)
        #expect(stats.pairsBelowMinCount == 1) // int(5.96) = 5 < 10
        #expect(stats.pairsWithNull == 1)
        #expect(!alignment.isMapped(target.id(forPiece: "▁ongelo") ?? -1))
        #expect(alignment.rows[target.id(forPiece: "t") ?? -1] == [source.id(forPiece: "▁sleeps") ?? -1: 14])
    }
}
