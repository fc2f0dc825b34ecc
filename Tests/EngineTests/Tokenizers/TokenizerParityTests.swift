import Foundation
import Testing

@testable import Engine

/// Ids, offsets and decoded text identical to HF `tokenizers` on every line of the multilingual stress text,
/// for the four real tokenizers (and GPT-2 behind Llama-3's split regex), and for small tokenizers with the exact
/// pipelines of Llama-3 (ignore_merges), Qwen2, Gemma, Phi-3 and Mistral Tekken (`family-*`, made by
/// `scripts/reference/make_family_tokenizer_fixtures.py`). References: `Fixtures/tokenizers`.
@Suite("Tokenizer parity with HF tokenizers")
struct TokenizerParityTests {
    static let names = [
        "gpt2", "smollm2", "mistral", "minilm", "gpt2-llama3", "family-llama3", "family-qwen2", "family-gemma",
        "family-phi3", "family-tekken",
    ]

    @Test("encode and decode match HF on the stress text", arguments: names)
    func parity(name: String) throws {
        let tokenizer = try ReferenceFixtures.named(name)
        let lines = try ReferenceFixtures.stressLines()
        let reference = try ReferenceFixtures.reference(name)
        try #require(lines.count == reference.count, "stress text and reference disagree on line count")
        var idMismatch = 0, offsetMismatch = 0, decodeMismatch = 0
        var reports = [String]()
        for (i, (line, ref)) in zip(lines, reference).enumerated() {
            let e = tokenizer.encode(line, addSpecialTokens: true)
            let decoded = tokenizer.decode(e.ids, skipSpecialTokens: false)
            if e.ids != ref.ids { idMismatch += 1 } else if e.offsets != ref.offsets { offsetMismatch += 1 }
            if decoded.unicodeScalars.elementsEqual(ref.decoded.unicodeScalars) == false { decodeMismatch += 1 }
            if (e.ids != ref.ids || e.offsets != ref.offsets
                || !decoded.unicodeScalars.elementsEqual(ref.decoded.unicodeScalars)),
                reports.count < 5
            {
                let k =
                    zip(e.ids, ref.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? zip(e.offsets, ref.offsets).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(e.ids.count, ref.ids.count)
                reports.append(
                    "line \(i) \(line.prefix(60).debugDescription): first difference at token \(k): "
                        + "ours \(Array(e.ids.dropFirst(k).prefix(6))) \(Array(e.offsets.dropFirst(k).prefix(3))) "
                        + "HF \(Array(ref.ids.dropFirst(k).prefix(6))) \(Array(ref.offsets.dropFirst(k).prefix(3)))"
                        + (decoded.unicodeScalars.elementsEqual(ref.decoded.unicodeScalars)
                            ? ""
                            : " decoded \(decoded.prefix(60).debugDescription) vs \(ref.decoded.prefix(60).debugDescription)")
                )
            }
        }
        let total = lines.count
        print(
            "parity \(name): \(total) lines, ids differ \(idMismatch), offsets differ \(offsetMismatch), decode differs \(decodeMismatch)"
        )
        for r in reports { print("  \(r)") }
        #expect(idMismatch == 0, "\(name): \(idMismatch) of \(total) lines have different ids")
        #expect(offsetMismatch == 0, "\(name): \(offsetMismatch) of \(total) lines have different offsets")
        #expect(decodeMismatch == 0, "\(name): \(decodeMismatch) of \(total) lines decode differently")
    }
}
