import Engine
import Foundation
import Testing

/// The default mapping's word units and decoded-text identity on real tokenizers from the tokenizers fixtures:
/// Mistral (SentencePiece `▁`), GPT-2 (byte-level `Ġ`) and MiniLM (WordPiece `##`).
@Suite struct TransferRealTokenizerTests {
    static func load(_ name: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizers/\(name).tokenizer.json.gz")))
    }

    static func unitTexts(_ t: Tokenizer, _ text: String) -> [String] {
        WordUnitSplitter(vocabulary: t, rule: .decodedText).units(of: text).map { ids in
            String(decoding: ids.flatMap { t.decodedBytes(for: $0) }, as: UTF8.self).trimmingCharacters(
                in: .whitespaces)
        }
    }

    @Test(arguments: ["mistral", "gpt2", "minilm"])
    func wordUnitsAreWordsInEveryScheme(name: String) throws {
        let t = try Self.load(name)
        let text = name == "minilm" ? "unbelievable catamarans , obviously" : "unbelievable catamarans, obviously"
        #expect(Self.unitTexts(t, text) == ["unbelievable", "catamarans", ",", "obviously"])
    }

    @Test func decodedIdentityAcrossMarkers() throws {
        let mistral = try Self.load("mistral"), gpt2 = try Self.load("gpt2")
        let codec = try WordUnitCodec.privateUse([mistral, gpt2])
        let mapper = TokenMapper(source: mistral, target: gpt2, codec: codec, options: MappingOptions(smoothing: false))
        let (mapping, report) = mapper.build(from: [])
        let the = try #require(gpt2.id(forPiece: "Ġthe")), sourceThe = try #require(mistral.id(forPiece: "▁the"))
        #expect(mapping[the].map(\.sourceID).contains(sourceThe))
        #expect(mapping.rows[the].origin == .heuristic)
        #expect(report.rowsByOrigin[.heuristic, default: 0] > 10_000)
        try mapping.validate()
    }
}
