import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: GGUF reader")
struct ModelFilesGGUFReaderTests {
    let typesPath = TestPaths.fixture("modelfiles/types.gguf")

    @Test func metadataOfEveryValueType() throws {
        let f = try GGUFFile(path: typesPath)
        #expect(f.version == 3)
        #expect(f.architecture == "llama")
        #expect(f["test.u8"] == .uint8(200))
        #expect(f["test.i8"] == .int8(-100))
        #expect(f["test.u16"] == .uint16(60000))
        #expect(f["test.i16"] == .int16(-30000))
        #expect(f["test.u32"] == .uint32(4_000_000_000))
        #expect(f["test.i32"] == .int32(-2_000_000_000))
        #expect(f["test.f32"] == .float32(0.125))
        #expect(f["test.u64"] == .uint64(1 << 63 + 5))
        #expect(f["test.i64"] == .int64(-(1 << 62)))
        #expect(f["test.f64"] == .float64(1e-300))
        #expect(f["test.bool"] == .bool(true))
        #expect(f["test.string"] == .string("héllo wörld ✓"))
        #expect(f["test.array_i32"] == .array([.int32(1), .int32(-2), .int32(3)]))
        #expect(f.strings("test.array_str") == ["a", "", "ü"])
        #expect(f.metadataKeys.first == "general.architecture")
    }

    /// Every dtype dequantises bit-exactly like the `gguf` Python package (scripts/reference/make_modelfiles_fixtures.py).
    @Test(arguments: ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q6_k"])
    func dequantisationMatchesGGUFPy(_ name: String) throws {
        let f = try GGUFFile(path: typesPath)
        let expected = try loadJSONFixture("modelfiles/types.expected.json")
        let info = try #require(f.info(name))
        #expect(info.shape == expected[name]?["shape"]?.array?.compactMap(\.int))
        #expect(info.dtype.rawValue == expected[name]?["type"]?.string?.replacingOccurrences(of: "_K", with: "_K"))
        let values = try f.float32(name)
        #expect(values.bitPatterns == bitPatterns(expected[name]?["bits"]))
    }

    @Test func zeroCopyViewPointsIntoTheMapping() throws {
        let f = try GGUFFile(path: typesPath)
        let v = try f.view("f32")
        let typed = try #require(v.typed(as: Float.self))
        #expect(Array(typed) == (try f.float32("f32")))
        #expect(Int(bitPattern: v.bytes.baseAddress) % 32 == 0)
        #expect(f.byteRange("f32").map { $0.lowerBound % f.alignment } == 0)
    }

    @Test func nonFloatTensorsAreRefusedByFloat32() throws {
        var b = GGUFBuilder()
        b.tensors = [.init(name: "ids", dims: [4], type: 26, offset: 0)] // I32
        b.data = [UInt8](repeating: 1, count: 16)
        let f = try GGUFFile(path: try b.write())
        #expect(f.info("ids")?.dtype == .i32)
        #expect(throws: ModelFileError.unsupportedDType(name: "ids", dtype: "I32")) { try f.float32("ids") }
        #expect(throws: ModelFileError.tensorNotFound(name: "nope")) { try f.view("nope") }
    }

    @Test func honoursGeneralAlignment() throws {
        var b = GGUFBuilder()
        b.alignment = 64
        b.add("general.alignment", u32: 64)
        b.tensors = [.init(name: "a", dims: [2], type: 0, offset: 0), .init(name: "b", dims: [1], type: 0, offset: 64)]
        b.data = [UInt8](repeating: 0, count: 68)
        b.data.replaceSubrange(64..<68, with: GGUFBuilder.le(Float(2.5).bitPattern))
        let f = try GGUFFile(path: try b.write())
        #expect(f.dataOffset % 64 == 0)
        #expect(try f.float32("b") == [2.5])
    }
}

@Suite("ModelFiles: row decoding")
struct ModelFilesRowDecodingTests {
    /// Decoding a row range gives exactly the rows of the full dequantisation, for every dtype.
    @Test(arguments: ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q6_k"])
    func rowsEqualTheFullTensor(_ name: String) throws {
        let f = try GGUFFile(path: TestPaths.fixture("modelfiles/types.gguf"))
        let v = try f.view(name)
        let full = try f.float32(name)
        for r in 0..<v.rowCount {
            #expect(try v.float32Row(r) == Array(full[(r * v.rowLength)..<((r + 1) * v.rowLength)]), "\(name) row \(r)")
        }
        var two = [Float](repeating: 0, count: 2 * v.rowLength)
        #expect(throws: ModelFileError.self) {
            try two.withUnsafeMutableBufferPointer { try v.float32Rows(v.rowCount - 1..<v.rowCount + 1, into: $0) }
        }
        #expect(throws: ModelFileError.self) { try v.float32Row(-1) }
    }
}
