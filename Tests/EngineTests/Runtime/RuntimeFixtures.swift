import Foundation
import Testing

@testable import Engine

/// The reference outputs in `Fixtures/runtime/` (made by `scripts/reference/runtime_reference.py`).
enum RuntimeFixtures {
    struct TinyModel {
        let name: String
        let config: DecoderConfig
        let weights: InMemoryWeights
        let inputIDs: [Int]
        let logits: [[Float]]
        let greedy: [Int]
        /// The config.json transformers itself writes for this model (families fixtures only).
        var savedConfig: [String: Any]? = nil
        /// Logits of the first 6 prompt tokens run alone (families fixtures only).
        var shortLogits: [[Float]]? = nil
    }

    static func tinyModels(_ file: String = "runtime/tiny_llama.json") throws -> [TinyModel] {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(file)))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let models = try #require(root["models"] as? [[String: Any]])
        return try models.map { m in
            let weights = InMemoryWeights()
            let tensors = try #require(m["tensors"] as? [String: [String: Any]])
            for (name, t) in tensors {
                let shape = try #require(t["shape"] as? [Int])
                let values = try #require(t["values"] as? [Double]).map { Float($0) }
                weights.set(name, shape: shape, values: values)
            }
            return TinyModel(
                name: try #require(m["name"] as? String),
                config: try DecoderConfig(huggingFace: try #require(m["config"] as? [String: Any])),
                weights: weights,
                inputIDs: try #require(m["input_ids"] as? [Int]),
                logits: try #require(m["logits"] as? [[Double]]).map { $0.map { Float($0) } },
                greedy: try #require(m["greedy"] as? [Int]),
                savedConfig: m["saved_config"] as? [String: Any],
                shortLogits: (m["short_logits"] as? [[Double]])?.map { $0.map { Float($0) } })
        }
    }

    struct SmolCase: Decodable {
        let name: String
        let text: String
        let input_ids: [Int]
        let stride: Int
        let last_logits_strided: [Float]
        let top_ids: [Int]
        let top_logits: [Float]
        let greedy: [Int]
        let top5_per_position: [[Int]]?
    }

    struct Chat: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String
        }
        let messages: [Message]
        let text: String
    }

    struct SmolReference: Decodable {
        let vocab_size: Int
        let eos: Int
        let cases: [SmolCase]
        let chat_templates: [Chat]
        let evaluation: EvaluationReference
    }

    struct EvaluationReference: Decodable {
        let text: String
        let input_ids: [Int]
        let total_nll: Double
        let first_token_bytes: Int
    }

    static func smolReference() throws -> SmolReference {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("runtime/smollm2_reference.json")))
        return try JSONDecoder().decode(SmolReference.self, from: data)
    }

    static func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Float
    where A.Element == Float, B.Element == Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
