import Foundation
import Testing

@testable import Engine

/// Crafted and truncated GGUF headers must give a typed error, never a crash or an out-of-bounds read.
@Suite("ModelFiles: hostile GGUF")
struct ModelFilesGGUFHostileTests {
    func open(_ b: GGUFBuilder) throws -> GGUFFile { try GGUFFile(path: try b.write()) }

    func expectInvalid(_ b: GGUFBuilder, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try open(b)
            Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
        } catch let e as ModelFileError {
            #expect(e.description.contains(fragment), "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    var oneTensor: GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        b.tensors = [.init(name: "w", dims: [4, 2], type: 0, offset: 0)]
        b.data = [UInt8](repeating: 0, count: 32)
        return b
    }

    @Test func wellFormedBaseline() throws {
        let f = try open(oneTensor)
        #expect(f.info("w")?.shape == [2, 4])
        var v2 = oneTensor
        v2.version = 2
        #expect(try open(v2).version == 2)
    }

    @Test func badMagicAndVersions() {
        var b = oneTensor
        b.magic = Array("GGML".utf8)
        expectInvalid(b, "magic GGML")
        b = oneTensor
        b.version = 1
        expectInvalid(b, "unsupported format version 1")
        b.version = 3 << 24
        expectInvalid(b, "big-endian")
    }

    @Test func hugeCountsAndLengths() {
        var b = oneTensor
        b.tensorCountOverride = UInt64.max
        expectInvalid(b, "tensor count")
        b = oneTensor
        b.kvCountOverride = 1 << 40
        expectInvalid(b, "metadata count")
        b = oneTensor
        b.add("k", type: 8, raw: GGUFBuilder.le(UInt64(1) << 62))
        expectInvalid(b, "string length")
        b = oneTensor
        b.add("arr", type: 9, raw: GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1) << 50))
        expectInvalid(b, "array length")
        b = oneTensor
        b.add("arr", type: 9, raw: GGUFBuilder.le(UInt32(77)) + GGUFBuilder.le(UInt64(1)))
        expectInvalid(b, "unknown array element type 77")
        b = oneTensor
        b.add("x", type: 13, raw: [0])
        expectInvalid(b, "unknown value type 13")
        b = oneTensor
        b.add("flag", type: 7, raw: [2])
        expectInvalid(b, "bool byte 2")
    }

    @Test func deeplyNestedArrays() {
        var raw: [UInt8] = []
        for _ in 0..<10 { raw += GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) }
        raw += GGUFBuilder.le(UInt32(0)) + GGUFBuilder.le(UInt64(1)) + [7]
        var b = oneTensor
        b.add("nested", type: 9, raw: raw)
        expectInvalid(b, "nested deeper")
    }

    @Test func duplicateKeysAndTensors() {
        var b = oneTensor
        b.add("general.architecture", string: "again")
        expectInvalid(b, "duplicate metadata key")
        b = oneTensor
        b.tensors.append(.init(name: "w", dims: [4], type: 0, offset: 32))
        b.data += [UInt8](repeating: 0, count: 32)
        expectInvalid(b, "duplicate tensor 'w'")
    }

    @Test func tensorShapesTypesAndOffsets() {
        var b = oneTensor
        b.tensors[0].dims = []
        expectInvalid(b, "0 dimensions")
        b = oneTensor
        b.tensors[0].dims = [1, 1, 1, 1, 1]
        expectInvalid(b, "5 dimensions")
        b = oneTensor
        b.tensors[0].dims = [1 << 40, 1 << 40]
        expectInvalid(b, "too large")
        b = oneTensor
        b.tensors[0].dims = [1 << 30, 1 << 30]
        expectInvalid(b, "overflows")
        b = oneTensor
        b.tensors[0].type = 10 // Q2_K: known to ggml, not decoded here
        expectInvalid(b, "Q2_K")
        b = oneTensor
        b.tensors[0].type = 8 // Q8_0 needs rows of 32
        expectInvalid(b, "whole number of Q8_0 blocks")
        b = oneTensor
        b.tensors[0].offset = 4
        expectInvalid(b, "not a multiple of the alignment")
        b = oneTensor
        b.tensors[0].offset = 1 << 20
        expectInvalid(b, "truncated data of tensor 'w'")
        b = oneTensor
        b.tensors[0].offset = UInt64.max - 31
        expectInvalid(b, "offset")
        b = oneTensor
        b.tensors.append(.init(name: "v", dims: [8], type: 0, offset: 0))
        expectInvalid(b, "overlap")
        b = oneTensor
        b.add("general.alignment", u32: 48)
        expectInvalid(b, "power of two")
        b = oneTensor
        b.tensors[0].name = String(decoding: [0xFF, 0xFE], as: UTF8.self)
        // The builder writes the replacement characters; a raw invalid name is tested below.
        var raw = oneTensor.bytes()
        if let i = raw.firstIndex(of: UInt8(ascii: "w")) { raw[i] = 0xFF }
        #expect(throws: ModelFileError.self) { _ = try GGUFFile(path: try writeTemp(raw)) }
    }

    /// Every truncation of a real header (the fixture with all value and tensor types) fails cleanly.
    @Test func everyTruncationOfTheFixtureFails() throws {
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("modelfiles/types.gguf"))))
        let good = try GGUFFile(path: TestPaths.fixture("modelfiles/types.gguf"))
        for length in stride(from: 0, to: full.count, by: 1) {
            let prefix = Array(full[..<length])
            #expect(throws: ModelFileError.self, "length \(length)") {
                _ = try prefix.withUnsafeBytes { try GGUFHeader.parse($0, path: "prefix") }
            }
            if length > good.dataOffset + 64 { break } // beyond the header, truncation only hits the data checks
        }
    }

    /// Seeded random byte flips in the header: each result either parses (and every tensor then reads
    /// within bounds) or throws a ModelFileError.
    @Test func seededHeaderMutations() throws {
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("modelfiles/types.gguf"))))
        let headerEnd = try GGUFFile(path: TestPaths.fixture("modelfiles/types.gguf")).dataOffset
        var rng = SplitMix64(seed: 5)
        var parsed = 0, failed = 0
        for _ in 0..<400 {
            var m = full
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(headerEnd))
                m[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                _ = try m.withUnsafeBytes { try GGUFHeader.parse($0, path: "mutated") }
                // Parsed: every tensor must then decode within the file's bounds.
                let path = try writeTemp(m)
                defer {
                    try? FileManager.default.removeItem(
                        atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
                }
                let f = try GGUFFile(path: path)
                for n in f.tensorNames where f.info(n)?.dtype.isFloatConvertible == true { _ = try f.float32(n) }
                parsed += 1
            } catch is ModelFileError {
                failed += 1
            }
        }
        #expect(parsed + failed == 400)
        #expect(failed > 50)
    }
}

/// Deterministic test RNG.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
