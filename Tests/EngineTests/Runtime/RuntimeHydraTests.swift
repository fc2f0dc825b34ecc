import Foundation
import Testing

@testable import Engine

/// Hydra mechanics on a synthetic checkpoint: the target vocabulary is a permutation σ of the source one
/// (`E_tgt[t] = E_src[σ(t)]`, `U_tgt[t] = U_src[σ(t)]`), so translating a prompt must give σ⁻¹ of what the source
/// model generates, and the target head's logits must be the source logits permuted.
@Suite("Runtime: Hydra translation mechanics")
struct RuntimeHydraTests {
    /// σ(t) = (7t + 3) mod V, a permutation for the fixture's V = 40.
    static func sigma(_ v: Int) -> [Int] { (0..<v).map { (7 * $0 + 3) % v } }

    /// Hydra weights from `base`: input `[E_tgt ; E_src]`, head `U_tgt`, with `E_tgt[t] = E_src[σ(t)]`.
    static func hydraWeights(from base: RuntimeFixtures.TinyModel) throws -> InMemoryWeights {
        let v = base.config.outputVocabularySize, h = base.config.hiddenSize
        let sigma = Self.sigma(v)
        let source = try base.weights.float32("model.embed_tokens.weight")
        let head = base.config.tiedEmbeddings ? source : try base.weights.float32("lm_head.weight")
        let weights = InMemoryWeights()
        for (name, t) in base.weights.tensors where name != "model.embed_tokens.weight" && name != "lm_head.weight" {
            weights.set(name, shape: t.shape, values: t.values)
        }
        let permutedRows = { (table: [Float]) in sigma.flatMap { table[($0 * h)..<(($0 + 1) * h)] } }
        weights.set("model.embed_tokens.weight", shape: [2 * v, h], values: permutedRows(source) + source)
        weights.set("lm_head.weight", shape: [v, h], values: permutedRows(head))
        return weights
    }

    /// The checkpoint's `config.json`, with the Hydra keys the runtime reads.
    static func hydraConfigJSON(from base: RuntimeFixtures.TinyModel, maxPositions: Int? = nil) throws -> [String: Any]
    {
        let v = base.config.outputVocabularySize, h = base.config.hiddenSize
        var json: [String: Any] = [
            "model_type": "llama_hydra", "hidden_size": h, "intermediate_size": base.config.intermediateSize,
            "num_hidden_layers": base.config.layerCount, "num_attention_heads": base.config.headCount,
            "num_key_value_heads": base.config.kvHeadCount, "vocab_size": v, "output_vocab_size": v,
            "input_vocab_size": 2 * v, "hydra_source_offset": v, "tie_word_embeddings": false, "rms_norm_eps": 1e-5,
            "max_position_embeddings": maxPositions ?? base.config.maxPositions,
            "eos_token_id": Self.sigma(v).firstIndex(of: 2) ?? 0,
            "rope_theta": base.config.rope.theta,
        ]
        if case .llama3(let f, let lo, let hi, let orig) = base.config.rope.scaling {
            json["rope_scaling"] = [
                "rope_type": "llama3", "factor": f, "low_freq_factor": lo, "high_freq_factor": hi,
                "original_max_position_embeddings": orig,
            ]
        }
        return json
    }

    static func hydra(from base: RuntimeFixtures.TinyModel, maxPositions: Int? = nil) throws -> (
        LlamaModel, sigma: [Int]
    ) {
        let v = base.config.outputVocabularySize
        #expect(Set(Self.sigma(v)).count == v)
        let config = try DecoderConfig(huggingFace: try hydraConfigJSON(from: base, maxPositions: maxPositions))
        #expect(config.hydraSourceOffset == v && config.inputVocabularySize == 2 * v && config.isHydra)
        return (try LlamaModel(config: config, weights: try hydraWeights(from: base)), Self.sigma(v))
    }

    @Test("target logits are the source logits permuted, and translation is σ⁻¹ of the source model's greedy output")
    func permutedTranslation() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        let sourceModel = try LlamaModel(config: base.config, weights: base.weights)
        let (hydra, sigma) = try Self.hydra(from: base)
        let translator = try HydraTranslator(model: hydra)
        let prompt = base.inputIDs

        let sourceLogits = try sourceModel.forward(prompt, cache: sourceModel.makeCache()).last
        let targetLogits = try hydra.forward(try translator.inputIDs(source: prompt), cache: hydra.makeCache()).last
        for t in 0..<sigma.count {
            #expect(
                abs(targetLogits[targetLogits.startIndex + t] - sourceLogits[sourceLogits.startIndex + sigma[t]]) < 1e-5
            )
        }

        let options = GenerationOptions(maxTokens: 8, ignoreModelEOS: true)
        let plain = try Generator(model: sourceModel).generate(prompt: prompt, options: options).tokens
        #expect(plain == base.greedy)
        let translated = try translator.translate(sourcePrompt: prompt, options: options).tokens
        #expect(translated.map { sigma[$0] } == plain)
        // Fed back through the target rows: a target id t must act like source id σ(t), not like source id t.
        #expect(translated != plain)
    }

    @Test("translation stops at the target EOS, and beam search runs on the Hydra model")
    func stopsAtTargetEOS() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        let (hydra, sigma) = try Self.hydra(from: base)
        let translator = try HydraTranslator(model: hydra)
        let free = try translator.translate(
            sourcePrompt: base.inputIDs, options: GenerationOptions(maxTokens: 6, ignoreModelEOS: true))
        let firstTarget = try #require(free.tokens.first)
        let stopped = try translator.translate(
            sourcePrompt: base.inputIDs,
            options: GenerationOptions(maxTokens: 6, stopTokens: [firstTarget]))
        #expect(stopped.tokens.isEmpty && stopped.finishReason == .stopToken(firstTarget))
        let beams = try translator.translate(
            sourcePrompt: base.inputIDs, options: GenerationOptions(maxTokens: 6, beams: 3))
        #expect(!beams.tokens.isEmpty && beams.tokens.allSatisfy { $0 < sigma.count })
    }

    /// Letters a–z and a few marks as ids 0..<40 (the fixture's vocabulary), for prompts given as text.
    struct LetterCodec: TokenCodec {
        static let alphabet = Array("abcdefghijklmnopqrstuvwxyz .:\nRETHS")
        func encodeIDs(_ text: String) -> [Int] { text.compactMap { Self.alphabet.firstIndex(of: $0) } }
        func decodeIDs(_ ids: [Int]) -> String { String(ids.map { Self.alphabet[$0 % Self.alphabet.count] }) }
        func tokenBytes(_ id: Int) -> [UInt8] { Array(decodeIDs([id]).utf8) }
        func tokenID(forPiece piece: String) -> Int? { encodeIDs(piece).count == 1 ? encodeIDs(piece).first : nil }
    }

    @Test(
        "translate(text:) (free decoding) sends the repeated echo prompt by default, the echo or the paper's instruction on request"
    )
    func promptStyles() throws {
        #expect(
            HydraTranslator.prompt(
                text: "Hi.", sourceLanguage: "English", targetLanguage: "Spanish", template: nil, style: .echo)
                == "Repeat the following English text exactly.\nEnglish: Hi.\nEnglish:")
        #expect(
            HydraTranslator.prompt(
                text: "Hi.", sourceLanguage: "English", targetLanguage: "Spanish", template: nil, style: .instruction)
                == "Translate the following text from English into Spanish.\nEnglish: Hi.\nSpanish:")
        let request = "Repeat the following English text exactly.\nEnglish: Hi.\nEnglish:"
        #expect(
            HydraTranslator.prompt(
                text: "Hi.", sourceLanguage: "English", targetLanguage: "Spanish", template: nil, style: .echoRepeated)
                == request + " Hi.\n\n" + request)
        // In a chat template: the request, its exact answer, the request again, the assistant's turn opened.
        #expect(
            HydraTranslator.prompt(
                text: "Hi.", sourceLanguage: "English", targetLanguage: "Spanish", template: ChatTemplate(.chatml),
                style: .echoRepeated)
                == "<|im_start|>user\n\(request)<|im_end|>\n<|im_start|>assistant\nHi.<|im_end|>\n"
                + "<|im_start|>user\n\(request)<|im_end|>\n<|im_start|>assistant\n")
        #expect(HydraTranslator.languageName("es") == "Spanish" && HydraTranslator.languageName("xx-none") == "xx-none")
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        // The repeated echo prompt is longer than the fixture's 64 positions.
        let (hydra, _) = try Self.hydra(from: base, maxPositions: 256)
        let translator = try HydraTranslator(model: hydra)
        // Short names: the letters the codec knows.
        let codec = LetterCodec(), options = GenerationOptions(maxTokens: 4, ignoreModelEOS: true)
        func direct(_ style: HydraPromptStyle) throws -> [Int] {
            let prompt = HydraTranslator.prompt(
                text: "the earth", sourceLanguage: "E", targetLanguage: "S", template: nil, style: style)
            return try translator.translate(sourcePrompt: codec.encodeIDs(prompt), options: options).tokens
        }
        let byDefault = try translator.translate(
            text: "the earth", sourceLanguage: "E", targetLanguage: "S", source: codec, target: codec,
            template: nil, decoding: .free, options: options
        ).generation.tokens
        #expect(byDefault == (try direct(.echoRepeated)))
        let instructed = try translator.translate(
            text: "the earth", sourceLanguage: "E", targetLanguage: "S", source: codec, target: codec,
            template: nil, style: .instruction, decoding: .free, options: options
        ).generation.tokens
        #expect(instructed == (try direct(.instruction)))
        #expect(try direct(.echo) != (try direct(.instruction)), "the two prompts should lead somewhere different")
        #expect(try direct(.echoRepeated) != (try direct(.echo)), "the demonstration should change what follows")
    }

    @Test(
        "translate(text:) (free decoding) stops at the corpus's length cap and at a line break when the text has none")
    func lengthCapAndLineStop() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        var json = try Self.hydraConfigJSON(from: base, maxPositions: 256)
        json[HydraConfig.targetTokensPerSourceByteKey] = 0.1
        let config = try DecoderConfig(huggingFace: json)
        #expect(config.hydraTargetTokensPerSourceByte == 0.1)
        let hydra = try LlamaModel(config: config, weights: try Self.hydraWeights(from: base))
        let translator = try HydraTranslator(model: hydra)
        let codec = LetterCodec(), text = "the earth"
        let options = GenerationOptions(maxTokens: 60, ignoreModelEOS: true)
        // The same prompt without the two rules: cut at the first line break, then at the cap.
        let prompt = HydraTranslator.prompt(
            text: text, sourceLanguage: "E", targetLanguage: "S", template: nil, style: .echoRepeated)
        let free = try translator.translate(sourcePrompt: codec.encodeIDs(prompt), options: options).tokens
        let cap = HydraTranslator.lengthCap(sourceBytes: text.utf8.count, targetTokensPerSourceByte: 0.1)
        #expect(cap == 10) // ⌈1.5 × 0.1 × 9⌉ + 8
        let expected = Array(free.prefix { !codec.tokenBytes($0).contains(0x0A) }.prefix(cap))
        #expect(free.count > expected.count, "the fixture should run past one of the two limits")
        let capped = try translator.translate(
            text: text, sourceLanguage: "E", targetLanguage: "S", source: codec, target: codec, template: nil,
            decoding: .free, options: options
        ).generation.tokens
        #expect(capped == expected)
    }

    @Test("the repeated echo prompt (free decoding) falls back to the echo when it would not fit the context")
    func repeatedEchoFallsBackInASmallContext() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        let (hydra, _) = try Self.hydra(from: base) // 64 positions
        let translator = try HydraTranslator(model: hydra)
        let codec = LetterCodec(), options = GenerationOptions(maxTokens: 4, ignoreModelEOS: true)
        func prompt(_ style: HydraPromptStyle) -> [Int] {
            codec.encodeIDs(
                HydraTranslator.prompt(
                    text: "the earth", sourceLanguage: "E", targetLanguage: "S", template: nil, style: style))
        }
        #expect(prompt(.echoRepeated).count + 4 > 64 && prompt(.echo).count + 4 <= 64)
        let translated = try translator.translate(
            text: "the earth", sourceLanguage: "E", targetLanguage: "S", source: codec, target: codec, template: nil,
            decoding: .free, options: options)
        #expect(translated.generation.promptTokenCount == prompt(.echo).count)
    }

    @Test("lm_head.bias (the target log-prior) is added to the head's logits; a wrong length is refused")
    func headBias() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        let v = base.config.outputVocabularySize
        let config = try DecoderConfig(huggingFace: try Self.hydraConfigJSON(from: base))
        let plain = try LlamaModel(config: config, weights: try Self.hydraWeights(from: base))
        let weights = try Self.hydraWeights(from: base)
        let bias = (0..<v).map { Float($0 % 7) - 3 }
        weights.set(CheckpointLayout.headBiasTensor, shape: [v], values: bias)
        let biased = try LlamaModel(config: config, weights: weights)
        let prompt = try HydraTranslator(model: plain).inputIDs(source: base.inputIDs)
        let without = try plain.forward(prompt, cache: plain.makeCache(), logits: .all)
        let with = try biased.forward(prompt, cache: biased.makeCache(), logits: .all)
        #expect(with.rows == without.rows && with.rows == prompt.count)
        for r in 0..<with.rows {
            for (j, (a, b)) in zip(with.row(r), without.row(r)).enumerated() { #expect(abs(a - b - bias[j]) < 1e-4) }
        }
        weights.set(CheckpointLayout.headBiasTensor, shape: [v + 1], values: bias + [0])
        #expect(throws: RuntimeError.self) { try LlamaModel(config: config, weights: weights) }
    }

    @Test("source ids beyond the source table are rejected; ordinary models are not Hydra")
    func errors() throws {
        let base = try #require(try RuntimeFixtures.tinyModels().first)
        let (hydra, _) = try Self.hydra(from: base)
        let translator = try HydraTranslator(model: hydra)
        #expect(throws: RuntimeError.self) { try translator.inputIDs(source: [base.config.outputVocabularySize]) }
        #expect(throws: RuntimeError.self) {
            try HydraTranslator(model: LlamaModel(config: base.config, weights: base.weights))
        }
    }
}
