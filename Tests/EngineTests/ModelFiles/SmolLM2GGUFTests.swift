import Foundation
import Testing

@testable import Engine

/// The real SmolLM2-135M-Instruct Q4_1 GGUF (fetch with scripts/fetch-assets.sh).
@Suite("ModelFiles: SmolLM2 GGUF", .enabled(if: TestPaths.assetAvailable("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
struct ModelFilesSmolLM2GGUFTests {
    static let path = TestPaths.asset("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")

    @Test func configFromMetadata() throws {
        let f = try GGUFFile(path: Self.path)
        let c = try LlamaConfig(gguf: f)
        #expect(c.hiddenSize == 576)
        #expect(c.intermediateSize == 1536)
        #expect(c.numHiddenLayers == 30)
        #expect(c.numAttentionHeads == 9)
        #expect(c.numKeyValueHeads == 3)
        #expect(c.headDim == 64)
        #expect(c.vocabSize == 49152)
        #expect(c.maxPositionEmbeddings == 8192)
        #expect(c.ropeTheta == 100_000)
        #expect(c.rmsNormEps == 1e-5)
        #expect(c.tieWordEmbeddings)
        #expect(c.bosTokenID == 1 && c.eosTokenID == 2 && c.padTokenID == 2)
        #expect(f.tensorNames.count == 272)
    }

    /// Rows dequantised exactly like gguf-py (GGUF names, stored layout).
    @Test func rowsMatchGGUFPy() throws {
        let f = try GGUFFile(path: Self.path)
        let fixture = try loadJSONFixture("modelfiles/smollm2_rows.json")
        for (name, entry) in try #require(fixture["gguf"]?.object) {
            let values = try f.float32(name)
            let info = try #require(f.info(name))
            let rowLength = info.shape.last ?? 1
            if let rows = entry["rows"]?.array?.compactMap(\.int) {
                for (k, r) in rows.enumerated() {
                    let row = Array(values[(r * rowLength)..<((r + 1) * rowLength)])
                    #expect(row.bitPatterns == bitPatterns(entry["bits"]?.array?[k]), "\(name) row \(r)")
                }
            } else {
                #expect(values.bitPatterns == bitPatterns(entry["bits"]), "\(name)")
            }
        }
    }

    /// HF names and the q/k un-permutation agree with transformers' own GGUF loader.
    @Test func huggingFaceViewMatchesTransformers() throws {
        let t = try GGUFLlamaTensors(GGUFFile(path: Self.path))
        let fixture = try loadJSONFixture("modelfiles/smollm2_rows.json")
        let expectedNames = Set((fixture["hf_names"]?.array ?? []).compactMap(\.string)).subtracting(["lm_head.weight"])
        #expect(Set(t.tensorNames) == expectedNames)
        #expect(t.skippedTensors.isEmpty)
        for (name, entry) in try #require(fixture["hf"]?.object) {
            let info = try #require(t.info(name))
            #expect(info.shape == entry["shape"]?.array?.compactMap(\.int))
            let values = try t.float32(name)
            let rowLength = info.shape[1]
            for (k, r) in (entry["rows"]?.array?.compactMap(\.int) ?? []).enumerated() {
                let row = Array(values[(r * rowLength)..<((r + 1) * rowLength)])
                #expect(row.bitPatterns == bitPatterns(entry["bits"]?.array?[k]), "\(name) row \(r)")
            }
        }
        #expect(t.isPermuted("model.layers.3.self_attn.q_proj.weight"))
        #expect(!t.isPermuted("model.layers.3.self_attn.v_proj.weight"))
    }
}
