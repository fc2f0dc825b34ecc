import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: LlamaConfig")
struct ModelFilesLlamaConfigTests {
    /// A Llama-3.1-style config.json: eos list, llama3 rope scaling, explicit head_dim.
    @Test func llama31ConfigJSON() throws {
        let text = #"""
            {"architectures":["LlamaForCausalLM"],"bos_token_id":128000,"eos_token_id":[128001,128008,128009],
             "hidden_act":"silu","hidden_size":4096,"intermediate_size":14336,"max_position_embeddings":131072,
             "model_type":"llama","num_attention_heads":32,"num_hidden_layers":32,"num_key_value_heads":8,
             "rms_norm_eps":1e-05,"rope_scaling":{"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
             "original_max_position_embeddings":8192,"rope_type":"llama3"},"rope_theta":500000.0,
             "tie_word_embeddings":false,"torch_dtype":"bfloat16","vocab_size":128256}
            """#
        let c = try LlamaConfig(json: try JSONValue.parse(text))
        #expect(c.hiddenSize == 4096 && c.numKeyValueHeads == 8 && c.headDim == 128 && c.vocabSize == 128256)
        #expect(c.eosTokenID == 128001 && c.bosTokenID == 128000 && c.padTokenID == nil)
        #expect(
            c.ropeScaling
                == .init(
                    type: "llama3", factor: 8, originalMaxPositionEmbeddings: 8192, lowFreqFactor: 1, highFreqFactor: 4)
        )
        #expect(c.ropeTheta == 500_000 && c.rmsNormEps == 1e-5 && !c.tieWordEmbeddings)
        // Round trip through the config.json we write.
        let again = try LlamaConfig(json: try JSONValue.parse(c.huggingFaceJSON(torchDType: "bfloat16").serialized()))
        #expect(again == c)
    }

    @Test func rejectsNonLlamaAndBrokenConfigs() throws {
        if TestPaths.assetAvailable("minilm/config.json") { // under CI a missing MiniLM fails here
            // LlamaConfig reads Llama-family hyper-parameters only; the model itself is accepted for transfer as an encoder.
            #expect(
                throws: ModelFileError.invalidConfig(
                    "model_type 'bert' is not a Llama-family decoder (llama, mistral, qwen2)")
            ) {
                try LlamaConfig(contentsOf: URL(fileURLWithPath: TestPaths.asset("minilm/config.json")))
            }
            let summary = try ModelValidation.check(path: TestPaths.asset("minilm"))
            #expect(summary.architecture == "bert" && summary.kind == .encoder)
            #expect(summary.roles == TensorRoles(embedding: "embeddings.word_embeddings.weight", head: nil))
            #expect(summary.vocabularySize == 30522 && summary.hiddenSize == 384)
        }
        let base: [(String, JSONValue)] = [
            ("hidden_size", .int(64)), ("intermediate_size", .int(128)), ("num_hidden_layers", .int(2)),
            ("num_attention_heads", .int(4)), ("vocab_size", .int(100)),
        ]
        #expect(throws: Never.self) { try LlamaConfig(json: .object(base)) }
        for (key, value, fragment) in [
            ("num_key_value_heads", JSONValue.int(3), "not a multiple"),
            ("hidden_size", .int(-1), "out of range"), ("hidden_size", .string("64"), "not an integer"),
            ("rms_norm_eps", .double(2), "rms_norm_eps"), ("head_dim", .int(15), "even"),
            ("model_type", .string("bert"), "not a Llama-family"),
        ] {
            var j = JSONValue.object(base)
            j.set(key, value)
            do {
                _ = try LlamaConfig(json: j)
                Issue.record("\(key)=\(value) accepted")
            } catch let e as ModelFileError {
                #expect(e.description.contains(fragment), "\(e)")
            }
        }
    }
}
