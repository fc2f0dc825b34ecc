import Foundation
import Testing

@testable import Engine

/// The HF config reader refuses architectures whose forward pass is not the runtime's, naming them (issue #13: a
/// Gemma directory used to load and produce garbage).
@Suite("Runtime: config.json architectures")
struct RuntimeConfigArchitectureTests {
    static func config(_ extra: [String: Any]) -> [String: Any] {
        var json: [String: Any] = [
            "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 40,
        ]
        json.merge(extra) { _, new in new }
        return json
    }

    static func message(_ json: [String: Any]) -> String? {
        do {
            _ = try DecoderConfig(huggingFace: json)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(
        "multimodal Gemma 3, Gemma 3n and BERT are refused with their model_type named",
        arguments: ["gemma3", "gemma3n_text", "bert"])
    func refusedModelTypes(type: String) throws {
        let m = try #require(Self.message(Self.config(["model_type": type, "hidden_act": "silu"])))
        #expect(m.contains("model_type '\(type)'") && m.contains("not supported"), "\(m)")
    }

    @Test("a non-SiLU activation or MLP biases are refused with the key named")
    func refusedActivation() throws {
        let gelu = try #require(Self.message(Self.config(["model_type": "llama", "hidden_act": "gelu_pytorch_tanh"])))
        #expect(gelu.contains("hidden_act 'gelu_pytorch_tanh'"), "\(gelu)")
        let gemma = try #require(Self.message(Self.config(["hidden_activation": "gelu_pytorch_tanh"])))
        #expect(gemma.contains("hidden_activation"), "\(gemma)")
        let gemmaGelu = try #require(Self.message(Self.config(["model_type": "gemma", "hidden_activation": "gelu"])))
        #expect(gemmaGelu.contains("hidden_activation 'gelu'"), "\(gemmaGelu)")
        let bias = try #require(Self.message(Self.config(["model_type": "llama", "mlp_bias": true])))
        #expect(bias.contains("mlp_bias"), "\(bias)")
    }

    @Test("Llama, Mistral and Qwen2 load; Mistral keeps its window, Qwen2's disabled window is off")
    func accepted() throws {
        #expect(try DecoderConfig(huggingFace: Self.config([:])).slidingWindow == nil)
        let mistral = try DecoderConfig(
            huggingFace: Self.config(["model_type": "mistral", "hidden_act": "silu", "sliding_window": 8]))
        #expect(mistral.slidingWindow == 8)
        let qwen = try DecoderConfig(
            huggingFace: Self.config([
                "model_type": "qwen2", "hidden_act": "silu",
                "sliding_window": 32768, "use_sliding_window": false,
            ]))
        #expect(qwen.slidingWindow == nil)
        let windowed = try #require(
            Self.message(Self.config(["model_type": "qwen2", "sliding_window": 8, "use_sliding_window": true])))
        #expect(windowed.contains("use_sliding_window"), "\(windowed)")
    }
}
