import Foundation
import Testing

@testable import Engine

/// Quantised GGUF files of the `gemma`, `gemma2`, `gemma3` and `phi3` architectures (`Fixtures/gguf-quant/`, made by
/// `scripts/reference/make_gguf_quant_fixtures.py`): Q8_0 as `convert_hf_to_gguf.py --outtype q8_0` writes it, and
/// llama.cpp's Q4_K_M type mix (Q4_K, Q5_K, Q6_K, with the Q5_0/Q8_0 fallbacks for rows narrower than 256). The
/// reference is transformers on the weights gguf-py dequantises from each file (what the quantised file means).
///
/// Tolerances. Every dequantised weight is a product of an f16 scale and a small integer (minus an f16 minimum),
/// exact in F32 on both sides, so a forward over several positions (dequantise a tile, F32 sgemm) differs from
/// transformers only by F32 summation order: 1e-4, as for the F32 fixtures. Decode (one position, the KV-cache
/// path `generate` takes) is checked twice:
/// - with `DecodeActivations.float32`: the same arithmetic as transformers on the dequantised weights, so 1e-4 at
///   every position and the greedy continuation identical under the margin rule below (margin 2e-4);
/// - with the default `quantized8` (llama.cpp's arithmetic: Q4_K/Q5_K/Q6_K rows multiplied with the activations
///   quantised to 8 bits per 256-value block; each activation moves by at most max|x|/254 of its block, unbiased):
///   decode logits within `quantizedDecodeTolerance` = 0.2 (measured ≤ 0.076 on these fixtures, whose logits are of
///   order 3–12, soft-capped at 3 for Gemma 2; a wrong scale or sub-block moves them by O(1)), greedy under the
///   margin rule with margin 0.4.
/// Greedy rule: the continuation must equal transformers' token for token up to the first position whose reference
/// top-2 margin is below twice the tolerance; there, the token must be one of the reference's top two, and the
/// comparison stops (the prefixes differ afterwards).
@Suite("Quantised GGUF (Q8_0, Q4_K_M) Gemma 1/2/3 and Phi-3: runtime and HF conversion held to transformers")
struct GGUFQuantParityTests {
    static let exactTolerance: Float = 1e-4
    static let quantizedDecodeTolerance: Float = 0.2

    struct Fixture {
        let file: String
        let family: String
        let path: String
        let hfConfig: [String: Any]
        let tensorTypes: [String: String]
        let inputIDs: [Int]
        let greedy: [Int]
        /// Logits at every position of `inputIDs + greedy`.
        let logits: [[Float]]
    }

    static let files = [
        "gemma.q8_0.gguf", "gemma2.q8_0.gguf", "gemma3.q8_0.gguf", "phi3.q8_0.gguf", "gemma2.q4_k_m.gguf",
        "gemma3.q4_k_m.gguf", "phi3.q4_k_m.gguf",
    ]

    static func fixture(_ file: String) throws -> Fixture {
        let url = URL(fileURLWithPath: TestPaths.fixture("gguf-quant/reference.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let entries = try #require(root["files"] as? [[String: Any]])
        let f = try #require(entries.first { $0["gguf"] as? String == file }, "\(file) not in reference.json")
        return Fixture(
            file: file, family: try #require(f["name"] as? String), path: TestPaths.fixture("gguf-quant/\(file)"),
            hfConfig: try #require(f["config"] as? [String: Any]),
            tensorTypes: try #require(f["tensor_types"] as? [String: String]),
            inputIDs: try #require(f["input_ids"] as? [Int]), greedy: try #require(f["greedy"] as? [Int]),
            logits: try #require(f["logits"] as? [[Double]]).map { $0.map { Float($0) } })
    }

    /// Logits of every position in one forward (prefill path), then the prompt and one greedy token at a time through
    /// the KV cache (decode path), then greedy generation under the margin rule.
    static func checkModel(_ model: LlamaModel, _ f: Fixture, _ what: String) throws {
        let sequence = f.inputIDs + f.greedy
        #expect(f.logits.count == sequence.count)
        let all = try model.forward(sequence, cache: model.makeCache(), logits: .all)
        var worst: Float = 0
        for (r, expected) in f.logits.enumerated() {
            let diff = RuntimeFixtures.maxAbsDifference(all.row(r), expected)
            worst = max(worst, diff)
            #expect(diff < 1e-4, "\(f.file) \(what) forward position \(r): max |Δ| = \(diff)")
        }
        for (activations, tolerance) in [
            (DecodeActivations.float32, exactTolerance), (.quantized8, quantizedDecodeTolerance),
        ] {
            try checkDecode(model, f, "\(what) \(activations)", activations: activations, tolerance: tolerance)
        }
        print("\(f.file) \(what): forward max |Δ| \(worst)")
    }

    /// Generate's path under one decode arithmetic: logits at the prompt's last position and at each greedy step,
    /// then the greedy continuation under the margin rule.
    static func checkDecode(
        _ model: LlamaModel, _ f: Fixture, _ what: String, activations: DecodeActivations, tolerance: Float
    ) throws {
        // Generate's path: the prompt in one forward, then one token at a time through the KV cache (Phi-3 picks
        // its LongRoPE factors per forward call from the length so far, as transformers does, so stepping through
        // the prompt itself would not be the reference's computation).
        let cache = model.makeCache()
        let prefill = try model.forward(f.inputIDs, cache: cache, logits: .last, activations: activations)
        let prompt = RuntimeFixtures.maxAbsDifference(prefill.last, f.logits[f.inputIDs.count - 1])
        #expect(prompt < tolerance, "\(f.file) \(what) prompt's last position: max |Δ| = \(prompt)")
        var worstDecode: Float = 0
        for (i, token) in f.greedy.enumerated() {
            let step = try model.forward([token], cache: cache, logits: .last, activations: activations)
            let diff = RuntimeFixtures.maxAbsDifference(step.last, f.logits[f.inputIDs.count + i])
            worstDecode = max(worstDecode, diff)
            #expect(diff < tolerance, "\(f.file) \(what) decode step \(i): max |Δ| = \(diff)")
        }
        let generated = try Generator(model: model).generate(
            prompt: f.inputIDs,
            options: GenerationOptions(maxTokens: f.greedy.count, ignoreModelEOS: true, activations: activations)
        ).tokens
        #expect(generated.count == f.greedy.count)
        for (i, (token, expected)) in zip(generated, f.greedy).enumerated() {
            let reference = f.logits[f.inputIDs.count - 1 + i]
            let ranked = reference.indices.sorted { reference[$0] > reference[$1] }
            let margin = reference[ranked[0]] - reference[ranked[1]]
            if margin < 2 * tolerance {
                #expect(ranked.prefix(2).contains(token), "\(f.file) \(what) greedy step \(i): \(token)")
                break
            }
            #expect(token == expected, "\(f.file) \(what) greedy step \(i): \(token) ≠ \(expected) (margin \(margin))")
            if token != expected { break }
        }
        print("\(f.file) \(what): decode max |Δ| \(worstDecode), greedy \(generated)")
    }

    @Test("the GGUF's tensors are stored in the fixture's type mix, and the runtime keeps them so", arguments: files)
    func typeMix(file: String) throws {
        let f = try Self.fixture(file)
        let gguf = try GGUFFile(path: f.path)
        for (name, type) in f.tensorTypes {
            #expect(gguf.info(name)?.dtype.rawValue == type, "\(file) \(name)")
        }
        let quantised = Set(f.tensorTypes.values).subtracting(["F32", "F16"])
        #expect(!quantised.isEmpty)
        if file.contains("q4_k_m") { #expect(quantised.contains("Q4_K") && quantised.contains("Q6_K")) }
        let loaded = try ModelLoader.loadGGUF(f.path)
        let embedding = loaded.model.weights.embedding.dtype.rawValue
        #expect(embedding == f.tensorTypes["token_embd.weight"], "\(file): embedding kept as \(embedding)")
    }

    @Test(
        "the runtime reads the quantised GGUF: config as the HF original's, logits as transformers' on the dequantised weights",
        arguments: files)
    func runtime(file: String) throws {
        let f = try Self.fixture(file)
        let loaded = try ModelLoader.loadGGUF(f.path)
        var expected = try DecoderConfig(huggingFace: f.hfConfig)
        expected.eosTokenIDs = loaded.model.config.eosTokenIDs
        #expect(loaded.model.config == expected, "\(file): \(loaded.model.config) ≠ \(expected)")
        try Self.checkModel(loaded.model, f, "GGUF")
    }

    @Test("convert's F32 HF directory of the quantised GGUF: the dequantised weights, same logits", arguments: files)
    func huggingFaceDirectory(file: String) throws {
        let f = try Self.fixture(file)
        let gguf = try GGUFFile(path: f.path)
        let tensors = try GGUFLlamaTensors(gguf)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-quant-\(file)-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var writer = HFModelDirectoryWriter(outputDType: .f32)
        writer.linkUnchangedShards = false
        try writer.write(
            to: dir, config: try tensors.modelConfig(),
            tokenizer: HFTokenizerBundle(try GGUFTokenizerExport.export(gguf)), source: tensors)
        let config = try JSONValue.parse(
            bytes: [UInt8](try Data(contentsOf: dir.appendingPathComponent(CheckpointLayout.config))))
        #expect(config["model_type"]?.string == f.hfConfig["model_type"] as? String)
        let loaded = try ModelLoader.loadDirectory(dir.path)
        try Self.checkModel(loaded.model, f, "HF directory (F32)")
    }
}
