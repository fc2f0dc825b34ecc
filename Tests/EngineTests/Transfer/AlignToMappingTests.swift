import Engine
import Foundation
import Testing

/// Raw toy sentences → toy tokenizer → word units (paper regex, `—`) → the aligner's IBM Model 1 (`-I 7`, paper
/// path) → `--paper-compat` mapping. The spec (§7) records fast_align's table for this corpus and the resulting
/// counts; the aligner must give the same units and counts (± float noise before truncation).
@Suite struct TransferAlignToMappingTests {
    static let pairs = [
        ("the cat sleeps.", "de kat slaapt."), ("the dog sleeps.", "de hond slaapt."),
        ("a cat eats.", "een kat eet."), ("a dog eats.", "een hond eet."),
        ("the cat eats fish.", "de kat eet vis."), ("the dog eats fish.", "de hond eet vis."),
        ("a fish sleeps.", "een vis slaapt."), ("unbelievable fish.", "ongelooflijke vis."),
    ]

    @Test func toyCorpusEndToEnd() throws {
        let source = try ToyVocabulary.fixture("toy_source_vocab.txt")
        let target = try ToyVocabulary.fixture("toy_target_vocab.txt", added: ["<|im_start|>"])
        let sourceSplit = WordUnitSplitter(vocabulary: source, rule: .paperRegex(wordStart: "▁", continuation: ""))
        let targetSplit = WordUnitSplitter(vocabulary: target, rule: .paperRegex(wordStart: "▁", continuation: ""))
        var corpus = WordUnitCorpus(codec: .paper)
        for _ in 0..<6 {
            for (e, f) in Self.pairs {
                corpus.append(source: e, target: f, sourceSplitter: sourceSplit, targetSplitter: targetSplit)
            }
        }
        #expect(corpus.mosesLines[0] == "▁the ▁cat ▁sleeps . ||| ▁de ▁kat ▁slaap—t .")
        #expect(corpus.mosesLines[7] == "▁un—believ—able ▁fish . ||| ▁ongelo—of—lijk—e ▁vis .")

        let model = FastAlignModel(corpus: corpus.parallelCorpus, options: .paperModel1)
        model.train()
        let table = model.lexicalTable()
        let rows = Dictionary(table.rows.map { ("\($0.source) \($0.target)", $0.count) }, uniquingKeysWith: +)
        #expect(abs((rows["▁sleeps ▁slaap—t"] ?? 0) - 15.9341) < 1e-3)
        #expect(abs((rows["▁un—believ—able ▁ongelo—of—lijk—e"] ?? 0) - 5.96095) < 1e-3)

        var options = MappingOptions.paper
        options.minCount = 1
        let mapper = TokenMapper(source: source, target: target, codec: .paper, options: options)
        let (counts, _) = mapper.alignmentCounts(from: table.alignedWordPairs)
        func row(_ t: String) -> [String: Double] {
            Dictionary(
                uniqueKeysWithValues: counts.rows[target.id(forPiece: t) ?? -1].map {
                    (source.pieces[$0.key], $0.value)
                })
        }
        #expect(row("t") == ["▁sleeps": 14])
        #expect(row("▁slaap") == ["▁sleeps": 14])
        #expect(row("▁de") == ["▁the": 17])
        #expect(row("▁ongelo") == ["▁un": 4, "believ": 1, "able": 1])
    }
}
