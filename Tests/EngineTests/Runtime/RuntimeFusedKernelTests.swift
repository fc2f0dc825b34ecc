import Foundation
import Testing

@testable import Engine

/// The fused dequantising matrix-vector kernels (`CKernels`): k-quant dequantisation against the `gguf` package, and
/// every fused kernel (AVX2 and portable) against dequantise-then-F32 in Double.
@Suite("Runtime: fused decode kernels", .serialized)
struct RuntimeFusedKernelTests {
    static let fixture = TestPaths.fixture("kquants/kquants.gguf")

    /// Q4_K, Q5_K (random and all-high-bit) and Q6_K blocks dequantise bit-exactly like gguf-py
    /// (scripts/reference/make_kquant_fixtures.py).
    @Test(arguments: ["q4_k", "q5_k", "q5_k_high", "q6_k"])
    func dequantisationMatchesGGUFPy(_ name: String) throws {
        let f = try GGUFFile(path: Self.fixture)
        let expected = try loadJSONFixture("kquants/kquants.expected.json")
        let info = try #require(f.info(name))
        #expect(info.shape == expected[name]?["shape"]?.array?.compactMap(\.int))
        #expect(info.dtype.rawValue == expected[name]?["type"]?.string)
        let values = try f.float32(name)
        #expect(values.bitPatterns == bitPatterns(expected[name]?["bits"]))
    }

    /// Σ|w·x| and the exact Σ w·x of one row, in Double.
    static func reference(_ values: [Float], row: Int, columns: Int, x: [Float]) -> (sum: Double, scale: Double) {
        var sum = 0.0, scale = 0.0
        for i in 0..<columns {
            let p = Double(values[row * columns + i]) * Double(x[i])
            sum += p
            scale += abs(p)
        }
        return (sum, scale)
    }

    /// Worst |fused − exact| / Σ|w·x| over all rows, for the kernel selected now.
    static func worstError(_ m: WeightMatrix, values: [Float], x: [Float], accumulate: Bool) -> Double {
        let y0 = (0..<m.rows).map { Float($0) * 0.25 - 1 }
        var y = y0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                m.matvec(rows: 0..<m.rows, x: xp.baseAddress!, y: yp.baseAddress!, accumulate: accumulate)
            }
        }
        var worst = 0.0
        for r in 0..<m.rows {
            let (exact, scale) = reference(values, row: r, columns: m.columns, x: x)
            let expected = exact + (accumulate ? Double(y0[r]) : 0)
            worst = max(worst, abs(Double(y[r]) - expected) / max(scale, 1e-6))
        }
        return worst
    }

    /// Each fused dtype, AVX2 (when the CPU has it) and portable, plain and through a row permutation: within 2e-6
    /// of the exact product of the dequantised weights (relative to Σ|w·x|), i.e. F32 summation error only.
    @Test(arguments: [TensorDType.bf16, .f16, .q8_0, .q4_K, .q5_K, .q6_K])
    func fusedEqualsDequantisedProduct(dtype: TensorDType) throws {
        // 2 × 256 + 32 columns: whole k-quant blocks are 256, so k-quants take 512; BF16/F16 also test the tail.
        let columns = dtype.block.elements == 256 ? 512 : (dtype == .q8_0 ? 544 : 547)
        let rows = 13
        var random = SeededRandom(seed: 11)
        let x = (0..<columns).map { _ in Float(random.unit() * 2 - 1) }
        let permutation = (0..<rows).map { (rows - 1 - $0 + 5) % rows }
        defer { Kernels.forcePortableKernels(false) }
        for portable in [false, true] {
            Kernels.forcePortableKernels(portable)
            for map in [nil, permutation] {
                let (m, stored) = try RuntimeStoredWeightsTests.matrix(
                    dtype, rows: rows, columns: columns, storedRows: map)
                #expect(stored.allSatisfy { $0.isFinite })
                // Logical row r is stored row map[r].
                let values = (0..<rows).flatMap { r in
                    stored[((map?[r] ?? r) * columns)..<((map?[r] ?? r) * columns + columns)]
                }
                // The prefill dequantiser reads the same values bit for bit.
                var rowsOut = [Float](repeating: 0, count: rows * columns)
                rowsOut.withUnsafeMutableBufferPointer { m.dequantizeRows(0..<rows, into: $0.baseAddress!) }
                #expect(rowsOut.bitPatterns == values.bitPatterns, "\(dtype) dequantizeRows")
                for accumulate in [false, true] {
                    let worst = Self.worstError(m, values: values, x: x, accumulate: accumulate)
                    #expect(
                        worst < 2e-6,
                        "\(dtype) portable \(portable) permuted \(map != nil) accumulate \(accumulate): \(worst)")
                }
            }
        }
    }

    /// The k-quant fixture tensors (gguf-py's values) through the fused kernels.
    @Test(arguments: ["q4_k", "q5_k", "q5_k_high", "q6_k"])
    func fusedOnReferenceBlocks(_ name: String) throws {
        let f = try GGUFFile(path: Self.fixture)
        let view = try f.view(name)
        let expected = try loadJSONFixture("kquants/kquants.expected.json")
        let values = bitPatterns(expected[name]?["bits"]).map(Float.init(bitPattern:))
        let m = try #require(WeightMatrix(view: view, rows: 3, columns: 512))
        // The prefill path's dequantiser (C) gives gguf-py's values bit for bit too.
        var rows = [Float](repeating: 0, count: 3 * 512)
        rows.withUnsafeMutableBufferPointer { m.dequantizeRows(0..<3, into: $0.baseAddress!) }
        #expect(rows.bitPatterns == values.bitPatterns)
        var random = SeededRandom(seed: 5)
        let x = (0..<512).map { _ in Float(random.unit() * 2 - 1) }
        defer { Kernels.forcePortableKernels(false) }
        for portable in [false, true] {
            Kernels.forcePortableKernels(portable)
            let worst = Self.worstError(m, values: values, x: x, accumulate: false)
            #expect(worst < 2e-6, "\(name) portable \(portable): \(worst)")
        }
    }
}
