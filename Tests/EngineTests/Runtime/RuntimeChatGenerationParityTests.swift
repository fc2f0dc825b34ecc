import Foundation
import Testing

@testable import Engine

/// `generate` on chat prompts against transformers (issue #13): SmolLM2-135M-Instruct, conversations rendered by
/// transformers' chat template, greedy continuation with a KV cache. Every generated position's logits are held to
/// transformers' full (no-cache) forward within 1e-3, so a divergence anywhere on the path — template rendering,
/// special-token encoding, prefill, the KV-cache decode step — fails here before it changes a greedy token.
@Suite(
    "Runtime: SmolLM2 chat generation parity with transformers",
    .enabled(
        if: TestPaths.assetAvailable(SmolLM2Asset.path),
        "SmolLM2 GGUF absent: run scripts/fetch-assets.sh (or set TRANSTOK_ASSETS)"))
struct RuntimeChatGenerationParityTests {
    struct Step: Decodable {
        let logits_strided: [Float]
        let top_ids: [Int]
        let top_logits: [Float]
    }

    struct Case: Decodable {
        let messages: [RuntimeFixtures.Chat.Message]
        let text: String
        let input_ids: [Int]
        let greedy: [Int]
        let stride: Int
        let steps: [Step]
        let smallest_top2_gap: Float
    }

    struct Reference: Decodable {
        let stop: Int
        let cases: [Case]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: TestPaths.fixture("runtime/smollm2_chat_generation.json"))
        return try JSONDecoder().decode(Reference.self, from: try Data(contentsOf: url))
    }

    static func messages(_ c: Case) throws -> [ChatMessage] {
        try c.messages.map { m in
            ChatMessage(try #require(ChatMessage.Role(rawValue: m.role), "role \(m.role)"), m.content)
        }
    }

    @Test("the template renders and encodes each conversation to transformers' text and ids")
    func prompt() throws {
        let loaded = try SmolLM2Asset.shared.get()
        let tokenizer = try #require(loaded.tokenizer)
        let template = try #require(loaded.chatTemplate)
        let reference = try Self.reference()
        #expect(template.stopPieces.compactMap { tokenizer.tokenID(forPiece: $0) } == [reference.stop])
        for c in reference.cases {
            let messages = try Self.messages(c)
            #expect(template.render(messages) == c.text)
            #expect(tokenizer.encodeIDs(c.text) == c.input_ids)
            if messages.count == 1 {
                let generator = TextGenerator(model: loaded.model, codec: tokenizer, template: template)
                let encoded = generator.encode(prompt: messages[0].content, chat: true)
                #expect(encoded.ids == c.input_ids && encoded.stops == [reference.stop])
            }
        }
    }

    @Test("every generated position's logits (KV-cache decode) within 1e-3 of transformers")
    func decodeLogits() throws {
        let model = try SmolLM2Asset.model()
        for c in try Self.reference().cases {
            #expect(c.steps.count == c.greedy.count)
            let cache = model.makeCache()
            var logits = try model.forward(c.input_ids, cache: cache).last
            var worst: Float = 0
            for (i, step) in c.steps.enumerated() {
                let base = logits.startIndex
                let strided = stride(from: 0, to: logits.count, by: c.stride).map { logits[base + $0] }
                #expect(strided.count == step.logits_strided.count)
                let diff = max(
                    RuntimeFixtures.maxAbsDifference(strided, step.logits_strided),
                    RuntimeFixtures.maxAbsDifference(step.top_ids.map { logits[base + $0] }, step.top_logits))
                #expect(
                    diff < 1e-3, "'\(c.messages.last?.content ?? "")' generated position \(i): max |Δ logit| = \(diff)")
                worst = max(worst, diff)
                if i + 1 < c.greedy.count { logits = try model.forward([c.greedy[i]], cache: cache).last }
            }
            print(
                "SmolLM2 chat decode parity (\(c.input_ids.count)-token prompt, \(c.greedy.count) positions, smallest top-2 gap \(c.smallest_top2_gap)): max |Δ logit| = \(worst)"
            )
        }
    }

    @Test("TextGenerator's greedy reply is transformers' greedy continuation")
    func greedyReply() throws {
        let loaded = try SmolLM2Asset.shared.get()
        let tokenizer = try #require(loaded.tokenizer)
        let generator = TextGenerator(model: loaded.model, codec: tokenizer, template: loaded.chatTemplate)
        let reference = try Self.reference()
        for c in reference.cases {
            let messages = try Self.messages(c)
            let expected = c.greedy.last == reference.stop ? Array(c.greedy.dropLast()) : c.greedy
            if messages.count == 1 {
                let (text, generation) = try generator.generate(
                    prompt: messages[0].content, chat: true,
                    options: GenerationOptions(maxTokens: c.greedy.count))
                #expect(generation.tokens == expected)
                #expect(text == tokenizer.decodeIDs(expected))
            } else {
                let result = try Generator(model: loaded.model).generate(
                    prompt: c.input_ids,
                    options: GenerationOptions(maxTokens: c.greedy.count, stopTokens: [reference.stop]))
                #expect(result.tokens == expected)
            }
        }
    }
}
