import Foundation
import Testing

@testable import Engine

@Suite("Tokenizer edge cases")
struct TokenizerEdgeTests {
    /// A word-level-like BPE whose vocabulary holds canonically equivalent pieces (U+2000/U+2002, NFC/NFD é).
    static let equivalentPiecesJSON = #"""
        {"added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "CharDelimiterSplit", "delimiter": "|"}, "post_processor": null,
         "decoder": null,
         "model": {"type": "BPE", "unk_token": "?", "fuse_unk": false, "byte_fallback": false,
                   "vocab": {"?": 0, "\u2000": 1, "\u2002": 2, "\u00e9": 3, "e": 4, "\u0301": 5, "e\u0301": 6},
                   "merges": [["e", "\u0301"]]}}
        """#

    @Test("canonically equivalent vocabulary pieces keep their own ids")
    func canonicalEquivalence() throws {
        let tok = try Tokenizer(data: Array(Self.equivalentPiecesJSON.utf8))
        #expect(tok.encode("\u{2000}|\u{2002}").ids == [1, 2])
        #expect(tok.encode("\u{00E9}|e\u{0301}").ids == [3, 6])
        #expect(tok.id(forPiece: "\u{2000}") == 1 && tok.id(forPiece: "\u{2002}") == 2)
        #expect(tok.piece(for: 6).map { Array($0.unicodeScalars) } == ["e", "\u{0301}"])
        #expect(tok.encode("x").ids == [0])
    }

    @Test("hostile files are errors, not crashes")
    func hostile() {
        for text in [
            "", "{", "[1,2]", #"{"model": {"type": "Nope"}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "b"]]}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}}"#,
            #"{"model": {"type": "WordPiece", "vocab": {"a": 0}}}"#,
            #"{"model": {"type": "Unigram", "vocab": [["a"]]}}"#,
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"\u{FF}",
        ] {
            #expect(throws: TokenizerError.self, "\(text.debugDescription)") { try Tokenizer(data: Array(text.utf8)) }
        }
        #expect(throws: TokenizerError.self) { try Tokenizer(data: [0xFF, 0xFE, 0x7B]) }
        #expect(throws: TokenizerError.self) {
            try Tokenizer(contentsOf: URL(fileURLWithPath: "/nonexistent/tokenizer.json"))
        }
    }

    @Test("empty and whitespace-only text, \\r\\n kept as two scalars")
    func emptyText() throws {
        let gpt2 = try ReferenceFixtures.tokenizer("gpt2")
        #expect(gpt2.encode("").ids.isEmpty)
        let crlf = gpt2.encode("a\r\nb")
        #expect(crlf.offsets.last?.upperBound == 4)
        #expect(gpt2.decode(crlf.ids) == "a\r\nb")
        let minilm = try ReferenceFixtures.tokenizer("minilm")
        #expect(minilm.encode("").tokens == ["[CLS]", "[SEP]"])
        #expect(
            minilm.specialTokenIDs[.cls] == 101 && minilm.specialTokenIDs[.sep] == 102
                && minilm.specialTokenIDs[.unk] == 100)
    }

    @Test("decodedBytes: byte-level, byte fallback, metaspace and WordPiece pieces")
    func decodedBytes() throws {
        let gpt2 = try ReferenceFixtures.tokenizer("gpt2")
        let world = try #require(gpt2.id(forPiece: "Ġworld"))
        #expect(gpt2.decodedBytes(for: world) == Array(" world".utf8))
        let mistral = try ReferenceFixtures.tokenizer("mistral")
        #expect(mistral.decodedBytes(for: try #require(mistral.id(forPiece: "<0xE2>"))) == [0xE2])
        #expect(mistral.decodedBytes(for: try #require(mistral.id(forPiece: "▁the"))) == Array(" the".utf8))
        #expect(
            mistral.specialTokenIDs[.bos] == 1 && mistral.specialTokenIDs[.eos] == 2
                && mistral.specialTokenIDs[.unk] == 0)
        let minilm = try ReferenceFixtures.tokenizer("minilm")
        #expect(minilm.decodedBytes(for: try #require(minilm.id(forPiece: "##ing"))) == Array("ing".utf8))
    }

    @Test("batch encoding on several threads equals one-by-one encoding")
    func batch() throws {
        let tok = try ReferenceFixtures.tokenizer("smollm2")
        let lines = Array(try ReferenceFixtures.stressLines().prefix(600))
        let batch = tok.encodeBatch(lines, addSpecialTokens: true, threads: 3)
        #expect(batch == lines.map { tok.encode($0, addSpecialTokens: true) })
    }
}
