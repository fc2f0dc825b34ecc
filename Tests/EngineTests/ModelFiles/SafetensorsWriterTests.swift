import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: safetensors writer")
struct ModelFilesSafetensorsWriterTests {
    func tempDir() throws -> URL {
        try TestScratch.directory("stw")
    }

    @Test func roundTripEveryDTypeOfTheFixture() throws {
        let source = try SafetensorsFile(path: TestPaths.fixture("modelfiles/dtypes.safetensors"))
        var w = try SafetensorsWriter(outputDType: .f32)
        try w.addAll(from: source)
        let dir = try tempDir()
        #expect(try w.write(to: dir) == ["model.safetensors"])
        let back = try SafetensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
        #expect(back.dataOffset % 8 == 0)
        #expect(back.metadata["format"] == "pt")
        for n in source.tensorNames {
            let a = try #require(source.info(n)), b = try #require(back.info(n))
            #expect(a.shape == b.shape)
            if a.dtype.isFloatConvertible {
                #expect(b.dtype == .f32)
                #expect(try source.float32(n) == back.float32(n), "\(n)")
            } else {
                #expect(a.dtype == b.dtype)
                #expect(Array(try source.view(n).bytes) == Array(try back.view(n).bytes))
            }
        }
        // Larger element types first, so each tensor is aligned to its element size in the mapping.
        for n in back.tensorNames {
            let info = try #require(back.info(n))
            #expect(try #require(back.byteRange(n)).lowerBound % info.dtype.block.bytes == 0, "\(n)")
        }
        #expect(back.info(back.tensorNames[0])?.dtype.block.bytes == 8)
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
    }

    @Test func halfPrecisionOutputIsOneRoundingCast() throws {
        let values: [Float] = [
            1, 1 + 0x1p-11, 1 + 3 * 0x1p-11, 65504, 65520, -0.0, 1e-8, 0x1p-24, .infinity, 3.14159274,
        ]
        for dtype in [TensorDType.f16, .bf16] {
            var w = try SafetensorsWriter(outputDType: dtype)
            try w.add("x", shape: [values.count], .float32(values))
            let dir = try tempDir()
            try w.write(to: dir)
            let back = try SafetensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
            #expect(back.info("x")?.dtype == dtype)
            let got = try back.float32("x")
            let expected: [Float] =
                dtype == .f16
                ? [1, 1, 1 + 2 * 0x1p-10, 65504, .infinity, -0.0, 0, 0x1p-24, .infinity, 3.140625]
                : [1, 1, 1, 65536, 65536, -0.0, Float(bitPattern: 0x322C_0000), 0x1p-24, .infinity, 3.140625]
            #expect(got.bitPatterns == expected.bitPatterns, "\(dtype)")
        }
    }

    @Test func halfConversionsAreExactOnEveryF16Value() {
        for bits in 0...UInt16.max {
            let f = HalfFloat.f16ToFloat(bits)
            if f.isNaN {
                #expect(HalfFloat.floatToF16(f) & 0x7C00 == 0x7C00)
                continue
            }
            #expect(HalfFloat.floatToF16(f) == bits)
            #expect(HalfFloat.floatToBF16(HalfFloat.bf16ToFloat(bits)) == bits || HalfFloat.bf16ToFloat(bits).isNaN)
        }
    }

    @Test func shardsBySizeWithIndexWrittenLast() throws {
        var w = try SafetensorsWriter(outputDType: .bf16, maxShardBytes: 100)
        var expected: [String: [Float]] = [:]
        for i in 0..<7 {
            let v = (0..<(10 + i)).map { Float($0) * 0.5 - Float(i) }
            expected["t\(i)"] = v
            try w.add("t\(i)", shape: [v.count], .float32(v))
        }
        try w.add("ids", shape: [3], .raw([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0], .i32))
        let dir = try tempDir()
        let files = try w.write(to: dir)
        #expect(files.last == "model.safetensors.index.json")
        #expect(files.count > 3)
        #expect(
            files.first
                == "model-00001-of-\(String(repeating: "0", count: 5 - String(files.count - 1).count))\(files.count - 1).safetensors"
        )
        let index = try JSONValue.parse(bytes: [UInt8](Data(contentsOf: dir.appendingPathComponent(files.last!))))
        #expect(index["metadata"]?["total_size"]?.int == expected.values.reduce(0) { $0 + 2 * $1.count } + 12)
        let sharded = try ShardedSafetensors(indexPath: dir.appendingPathComponent(files.last!).path)
        for (name, v) in expected {
            #expect(try sharded.float32(name) == v, "\(name)") // small multiples of 0.5 are exact in bf16
        }
        for f in files.dropLast() {
            let size = try #require(
                try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(f).path)[.size] as? Int)
            let shard = try SafetensorsFile(path: dir.appendingPathComponent(f).path)
            #expect(size - shard.dataOffset <= 100)
        }
        #expect(sharded.info("ids")?.dtype == .i32)
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: ModelFileError.self) { try SafetensorsWriter(outputDType: .q8_0) }
        var w = try SafetensorsWriter()
        try w.add("a", shape: [2], .float32([1, 2]))
        #expect(throws: ModelFileError.self) { try w.add("a", shape: [2], .float32([1, 2])) }
        #expect(throws: ModelFileError.self) { try w.add("b", shape: [3], .float32([1, 2])) }
        #expect(throws: ModelFileError.self) { try w.add("c", shape: [3], .raw([1, 2], .u8)) }
        #expect(throws: ModelFileError.self) { try w.add("__metadata__", shape: [2], .float32([1, 2])) }
    }
}
