import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: safetensors reader")
struct ModelFilesSafetensorsReaderTests {
    let path = TestPaths.fixture("modelfiles/dtypes.safetensors")

    /// Every dtype written by the safetensors library (torch) reads back with its values.
    @Test func everyDTypeOfTheLibrary() throws {
        let f = try SafetensorsFile(path: path)
        let expected = try loadJSONFixture("modelfiles/dtypes.expected.json")
        #expect(f.metadata == ["format": "pt", "note": "transtok fixture"])
        #expect(Set(f.tensorNames) == Set(try #require(expected.object).map(\.0)))
        let dtypes: [String: TensorDType] = [
            "a.f32": .f32, "b.f16": .f16, "c.bf16": .bf16, "d.f64": .f64, "e.i64": .i64,
            "f.i32": .i32, "g.i16": .i16, "h.i8": .i8, "i.u8": .u8, "j.bool": .bool,
            "k.empty": .f32, "l.scalar": .f32,
        ]
        for (name, e) in try #require(expected.object) {
            let info = try #require(f.info(name))
            #expect(info.dtype == dtypes[name], "\(name)")
            #expect(info.shape == e["shape"]?.array?.compactMap(\.int), "\(name)")
            if e["bits"] != nil {
                #expect(try f.float32(name).bitPatterns == bitPatterns(e["bits"]), "\(name)")
            } else {
                let v = try f.view(name)
                let ints: [Int] =
                    switch info.dtype {
                    case .i64: Array(try #require(v.typed(as: Int64.self))).map { Int($0) }
                    case .i32: Array(try #require(v.typed(as: Int32.self))).map { Int($0) }
                    case .i16: Array(try #require(v.typed(as: Int16.self))).map { Int($0) }
                    case .i8: Array(try #require(v.typed(as: Int8.self))).map { Int($0) }
                    default: v.bytes.map { Int($0) }
                    }
                #expect(ints == e["ints"]?.array?.compactMap(\.int), "\(name)")
            }
        }
    }

    @Test func zeroCopyViewsAreAlignedSlicesOfTheMapping() throws {
        let f = try SafetensorsFile(path: path)
        #expect(f.dataOffset % 8 == 0)
        let v = try f.view("a.f32")
        let typed = try #require(v.typed(as: Float.self))
        #expect(Array(typed) == (try f.float32("a.f32")))
        #expect(throws: ModelFileError.unsupportedDType(name: "e.i64", dtype: "I64")) { try f.float32("e.i64") }
    }

    @Test(.enabled(if: TestPaths.assetAvailable("minilm/model.safetensors")))
    func realBertCheckpoint() throws {
        let f = try SafetensorsFile(path: TestPaths.asset("minilm/model.safetensors"))
        let emb = try #require(f.info("embeddings.word_embeddings.weight"))
        #expect(emb.shape == [30522, 384])
        #expect(emb.dtype == .f32)
        #expect(f.tensorNames.count > 50)
        let values = try f.float32("embeddings.word_embeddings.weight")
        #expect(values.count == 30522 * 384)
        #expect(values.allSatisfy { $0.isFinite })
    }
}
