import Foundation
import Testing

@testable import Engine

/// Parity with transformers on SmolLM2-135M-Instruct (Q4_1 GGUF dequantised to F32 by both sides).
/// Needs `.assets/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf` (`scripts/fetch-assets.sh`).
@Suite(
    "Runtime: SmolLM2 parity with transformers",
    .enabled(
        if: TestPaths.assetAvailable(SmolLM2Asset.path),
        "SmolLM2 GGUF absent: run scripts/fetch-assets.sh (or set TRANSTOK_ASSETS)"))
struct RuntimeSmolLM2ParityTests {
    static var shared: Result<LoadedModel, Error> { SmolLM2Asset.shared }
    static func model() throws -> LlamaModel { try SmolLM2Asset.model() }

    @Test("configuration comes from the GGUF metadata")
    func config() throws {
        let c = try Self.model().config
        #expect(c.layerCount == 30 && c.hiddenSize == 576 && c.headCount == 9 && c.kvHeadCount == 3)
        #expect(c.tiedEmbeddings && c.outputVocabularySize == 49152 && c.rope.theta == 100000)
        #expect(c.eosTokenIDs == [2])
        #expect(try Self.shared.get().chatTemplateSource?.contains("<|im_start|>") == true)
    }

    @Test("the tokenizer rebuilt from the GGUF encodes the reference prompts to transformers' ids")
    func tokenizer() throws {
        let tokenizer = try #require(try Self.shared.get().tokenizer)
        for c in try RuntimeFixtures.smolReference().cases {
            #expect(tokenizer.encodeIDs(c.text) == c.input_ids, "\(c.name)")
            #expect(tokenizer.decodeIDs(c.input_ids) == c.text, "\(c.name)")
        }
    }

    @Test("last-position logits within 1e-3 of transformers")
    func logits() throws {
        let model = try Self.model()
        let reference = try RuntimeFixtures.smolReference()
        #expect(reference.vocab_size == model.config.outputVocabularySize)
        for c in reference.cases {
            let logits = try model.forward(c.input_ids, cache: model.makeCache()).last
            let base = logits.startIndex
            let strided = stride(from: 0, to: logits.count, by: c.stride).map { logits[base + $0] }
            let diff = RuntimeFixtures.maxAbsDifference(strided, c.last_logits_strided)
            let topDiff = RuntimeFixtures.maxAbsDifference(c.top_ids.map { logits[base + $0] }, c.top_logits)
            #expect(diff < 1e-3 && topDiff < 1e-3, "\(c.name): max |Δ| = \(diff) (strided), \(topDiff) (top 40)")
            print("SmolLM2 parity \(c.name) (\(c.input_ids.count) tokens): max |Δ logit| = \(max(diff, topDiff))")
            #expect(Sampler.argmax(logits) == c.top_ids[0], "\(c.name)")
        }
    }

    @Test("top-5 ids at every position of the long prompt match")
    func topFivePerPosition() throws {
        let model = try Self.model()
        let c = try #require(try RuntimeFixtures.smolReference().cases.first { $0.top5_per_position != nil })
        let expected = try #require(c.top5_per_position)
        let logits = try model.forward(c.input_ids, cache: model.makeCache(), logits: .all)
        for r in 0..<logits.rows {
            let lp = logSoftmax(logits.row(r))
            #expect(BeamSearch.top(lp, count: 5) == expected[r], "position \(r)")
        }
    }

    @Test("text NLL and bits per byte agree with transformers")
    func evaluation() throws {
        let loaded = try Self.shared.get()
        let tokenizer = try #require(loaded.tokenizer)
        let e = try RuntimeFixtures.smolReference().evaluation
        let r = try Evaluator(model: loaded.model, window: 1024).evaluate(text: e.text, codec: tokenizer)
        #expect(r.tokens == e.input_ids.count - 1 && r.windows == 1)
        #expect(r.bytes == e.text.utf8.count - e.first_token_bytes)
        #expect(
            abs(r.totalNLL - e.total_nll) < 1e-4 * Double(r.tokens) + 1e-3,
            "Swift \(r.totalNLL) vs transformers \(e.total_nll)")
        let referenceBPB = e.total_nll / log(2) / Double(r.bytes)
        #expect(abs(r.bitsPerByte - referenceBPB) < 1e-4)
    }

    @Test("greedy continuations are identical")
    func greedy() throws {
        let generator = Generator(model: try Self.model())
        for c in try RuntimeFixtures.smolReference().cases {
            let result = try generator.generate(
                prompt: c.input_ids, options: GenerationOptions(maxTokens: c.greedy.count))
            var produced = result.tokens
            if case .stopToken(let id) = result.finishReason { produced.append(id) }
            #expect(produced == c.greedy, "\(c.name)")
        }
    }
}

/// The SmolLM2 GGUF, loaded once per test process and shared by the suites that need it.
enum SmolLM2Asset {
    static let path = "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let shared: Result<LoadedModel, Error> = Result { try ModelLoader.load(path: TestPaths.asset(path)) }
    static func model() throws -> LlamaModel { try shared.get().model }
}
