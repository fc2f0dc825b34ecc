import Foundation
import Testing

@testable import Engine

/// HF parity for components the four real tokenizers do not exercise, on small synthetic tokenizers
/// (`components.reference.jsonl.gz`, made by `scripts/reference/make_component_fixtures.py`).
@Suite("Tokenizer components match HF tokenizers")
struct TokenizerComponentTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        let tokenizerJSON: String
        let cases: [(text: String, ids: [Int], offsets: [Range<Int>], decoded: String)]
        var testDescription: String { name }
    }

    static let fixtures: [Fixture] = {
        guard let bytes = try? TokenizerFileData.read(ReferenceFixtures.url("components.reference.jsonl.gz")) else {
            return []
        }
        return bytes.split(separator: 0x0A).compactMap { line in
            guard let o = try? JSONReader.parse(Array(line)) as? [String: Any], let name = o["name"] as? String,
                let tj = o["tokenizer"] as? String, let cases = o["cases"] as? [[String: Any]]
            else { return nil }
            return Fixture(
                name: name, tokenizerJSON: tj,
                cases: cases.compactMap { c in
                    guard let t = c["text"] as? String, let ids = (c["ids"] as? [NSNumber])?.map(\.intValue),
                        let offs = (c["offsets"] as? [[NSNumber]])?.map({ $0[0].intValue..<$0[1].intValue }),
                        let d = c["decoded"] as? String
                    else { return nil }
                    return (t, ids, offs, d)
                })
        }
    }()

    @Test("fixtures are present") func present() {
        #expect(Self.fixtures.count >= 20)
    }

    @Test("encode and decode match HF", arguments: fixtures)
    func component(fixture: Fixture) throws {
        let tok = try Tokenizer(data: Array(fixture.tokenizerJSON.utf8))
        #expect(!fixture.cases.isEmpty)
        for c in fixture.cases {
            let e = tok.encode(c.text, addSpecialTokens: true)
            #expect(e.ids == c.ids, "\(fixture.name) ids for \(c.text.debugDescription): \(e.tokens)")
            if e.ids == c.ids {
                #expect(e.offsets == c.offsets, "\(fixture.name) offsets for \(c.text.debugDescription)")
            }
            let d = tok.decode(c.ids, skipSpecialTokens: false)
            #expect(
                d.unicodeScalars.elementsEqual(c.decoded.unicodeScalars),
                "\(fixture.name) decode of \(c.text.debugDescription): \(d.debugDescription) vs \(c.decoded.debugDescription)"
            )
        }
    }
}
