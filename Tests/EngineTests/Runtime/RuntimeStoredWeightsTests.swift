import Foundation
import Testing

@testable import Engine

/// Weights kept in their stored dtype (`WeightMatrix`): the dequantising matmul equals dequantise-then-F32 (for
/// decode of Q4_K, Q5_K and Q6_K: with the activations quantised to 8 bits).
@Suite("Runtime: matmuls on stored dtypes")
struct RuntimeStoredWeightsTests {
    /// Random blocks of `dtype` with sane F16 scales (random bytes elsewhere), `rows × columns` elements.
    static func blocks(_ dtype: TensorDType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        let count = dtype.byteCount(elements: rows * columns)!
        var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let (_, blockBytes) = dtype.block
        // Byte offsets of F16 scales inside one block.
        let scales: [Int]
        switch dtype {
        case .q8_0, .q4_0, .q5_0: scales = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: scales = [0, 2]
        case .q6_K: scales = [208]
        default: scales = []
        }
        for b in 0..<(count / blockBytes) {
            for o in scales {
                let half = HalfFloat.floatToF16(Float(random.unit() * 0.2 - 0.1))
                bytes[b * blockBytes + o] = UInt8(half & 0xFF)
                bytes[b * blockBytes + o + 1] = UInt8(half >> 8)
            }
        }
        if dtype == .f16 || dtype == .bf16 {
            for i in 0..<(rows * columns) {
                let v = Float(random.unit() * 2 - 1)
                let h = dtype == .f16 ? HalfFloat.floatToF16(v) : HalfFloat.floatToBF16(v)
                bytes[2 * i] = UInt8(h & 0xFF)
                bytes[2 * i + 1] = UInt8(h >> 8)
            }
        }
        return bytes
    }

    final class Owner {
        let pointer: UnsafeMutableRawBufferPointer
        init(_ bytes: [UInt8]) {
            pointer = .allocate(byteCount: bytes.count, alignment: 64)
            bytes.withUnsafeBytes { pointer.copyMemory(from: $0) }
        }
        deinit { pointer.deallocate() }
    }

    static func matrix(_ dtype: TensorDType, rows: Int, columns: Int, storedRows: [Int]? = nil) throws -> (
        WeightMatrix, [Float]
    ) {
        let owner = Owner(blocks(dtype, rows: rows, columns: columns, seed: UInt64(rows * 31 + dtype.block.bytes)))
        let bytes = UnsafeRawBufferPointer(owner.pointer)
        let info = TensorInfo(name: "w", shape: [rows, columns], dtype: dtype)
        let values = try FloatConversion.decode(bytes, dtype: dtype, count: rows * columns, name: "w")
        let m = try #require(
            WeightMatrix(
                view: TensorView(info: info, bytes: bytes, owner: owner), rows: rows, columns: columns,
                storedRows: storedRows))
        return (m, values)
    }

    static let dtypes: [TensorDType] = [.f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    @Test(
        "decode and prefill matmuls equal dequantise-then-F32 for every stored dtype (decode of k-quants: times the 8-bit activations)",
        arguments: dtypes)
    func matmul(dtype: TensorDType) throws {
        let rows = 37, columns = 512
        let (m, values) = try Self.matrix(dtype, rows: rows, columns: columns)
        #expect(values.allSatisfy { $0.isFinite })
        var random = SeededRandom(seed: 3)
        for (n, accumulate, threads) in [(1, false, 1), (1, true, 2), (5, false, 2), (5, true, 1)] {
            BLAS.setThreads(threads)
            let x = (0..<(n * columns)).map { _ in Float(random.unit() * 2 - 1) }
            let y0 = (0..<(n * rows)).map { _ in Float(random.unit()) }
            var y = y0
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Kernels.linear(
                        m, out: rows, x: xp.baseAddress!, rows: n, y: yp.baseAddress!, accumulate: accumulate)
                }
            }
            // Decode (one row) of Q4_K, Q5_K and Q6_K multiplies the activations quantised to 8 bits
            // (RuntimeIntegerKernelTests): its reference is the product with those values.
            let reference = n == 1 ? (m.quantizedActivationValues(x) ?? x) : x
            var worst = 0.0
            for r in 0..<n {
                for o in 0..<rows {
                    var expected = accumulate ? Double(y0[r * rows + o]) : 0
                    var scale = 0.0
                    for i in 0..<columns {
                        expected += Double(values[o * columns + i]) * Double(reference[r * columns + i])
                        scale += abs(Double(values[o * columns + i]) * Double(reference[r * columns + i]))
                    }
                    worst = max(worst, abs(Double(y[r * rows + o]) - expected) / max(scale, 1e-6))
                }
            }
            #expect(worst < 1e-5, "\(dtype) rows \(n) accumulate \(accumulate): relative error \(worst)")
        }
        BLAS.setThreads(ProcessInfo.processInfo.activeProcessorCount)
    }

    @Test("a fused matrix split by rows (Phi-3 qkv, gate_up) reads the same rows, for stored, permuted and F32 storage")
    func rowViews() throws {
        let rows = 16, columns = 64
        let (m, values) = try Self.matrix(.q4_1, rows: rows, columns: columns)
        let map = try #require(WeightMatrix.ggufRotaryRows(rows: rows, heads: 2))
        let (p, stored) = try Self.matrix(.q8_0, rows: rows, columns: columns, storedRows: map)
        let unpermuted = try LlamaTensorNames.unpermuteRows(stored, heads: 2, rowLength: columns)
        let f = WeightMatrix(float32: FloatStorage(values), rows: rows, columns: columns)
        for (matrix, expected) in [(m, values), (p, unpermuted), (f, values)] {
            let part = matrix.rows(5..<12)
            #expect(part.rows == 7 && part.columns == columns && part.dtype == matrix.dtype)
            var got = [Float](repeating: .nan, count: 7 * columns)
            got.withUnsafeMutableBufferPointer { part.dequantizeRows(0..<7, into: $0.baseAddress!) }
            #expect(got == Array(expected[(5 * columns)..<(12 * columns)]), "\(matrix.dtype)")
        }
        #expect(!f.rows(0..<3).isBorrowed && m.rows(0..<3).isBorrowed)
    }

    @Test("GGUF q/k rows are read through the rotary permutation, equal to the un-permuted copy")
    func permutedRows() throws {
        let rows = 16, columns = 64, heads = 2
        let map = try #require(WeightMatrix.ggufRotaryRows(rows: rows, heads: heads))
        let (m, stored) = try Self.matrix(.q8_0, rows: rows, columns: columns, storedRows: map)
        let expected = try LlamaTensorNames.unpermuteRows(stored, heads: heads, rowLength: columns)
        var got = [Float](repeating: .nan, count: rows * columns)
        got.withUnsafeMutableBufferPointer { m.dequantizeRows(0..<rows, into: $0.baseAddress!) }
        #expect(got == expected)
    }

}

@Suite(
    "Runtime: SmolLM2 weights in their stored dtype",
    .enabled(
        if: TestPaths.assetAvailable(SmolLM2Asset.path),
        "SmolLM2 GGUF absent: run scripts/fetch-assets.sh (or set TRANSTOK_ASSETS)"))
struct RuntimeStoredSmolLM2Tests {
    @Test("the GGUF's matrices stay in the mapping in their stored dtype (Q8_0 embedding and tied head, Q4_1 layers)")
    func storedMatrices() throws {
        let model = try SmolLM2Asset.model()
        let w = model.weights
        #expect(w.embedding.dtype == .q8_0 && w.embedding.isBorrowed && w.embedding.float32 == nil)
        #expect(
            w.layers.allSatisfy {
                [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down].allSatisfy { $0.dtype == .q4_1 && $0.isBorrowed }
            })
        #expect(w.head === w.embedding)
    }
}
