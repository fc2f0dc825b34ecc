import Foundation
import Testing

@testable import Engine

/// The integer decode kernels (`tk_matvec_q8`, `Sources/CKernels/q8_kernels.c`): Q4_K, Q5_K and Q6_K rows
/// times the activation vector quantised to 8 bits, AVX2 and portable, against dequantise-then-dot in Double.
@Suite("Runtime: integer decode kernels (8-bit activations)", .serialized)
struct RuntimeIntegerKernelTests {
    static let dtypes: [TensorDType] = [.q4_K, .q5_K, .q6_K]

    /// Activations with a spread of block maxima (some blocks small, some with an outlier), as hidden states have.
    static func activations(_ count: Int, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { i in
            let base = Float(random.unit() * 2 - 1)
            let block = i / 32
            if block % 5 == 3 { return base * 1e-3 }
            return i % 97 == 7 ? base * 40 : base
        }
    }

    static func run(_ m: WeightMatrix, x: [Float], y0: [Float], accumulate: Bool) -> [Float] {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, m.quantizedActivationBytes), alignment: 64)
        defer { buffer.deallocate() }
        x.withUnsafeBufferPointer { m.quantizeActivations($0.baseAddress!, into: buffer) }
        var y = y0
        y.withUnsafeMutableBufferPointer {
            m.matvec(rows: 0..<m.rows, quantized: buffer, y: $0.baseAddress!, accumulate: accumulate)
        }
        return y
    }

    /// Exact results, in Double, for logical row r of `values`: Σ w·v for `v`, and Σ|w·v|.
    static func dot(_ values: [Float], row r: Int, columns: Int, _ v: [Float]) -> (sum: Double, scale: Double) {
        var sum = 0.0, scale = 0.0
        for i in 0..<columns {
            let p = Double(values[r * columns + i]) * Double(v[i])
            sum += p
            scale += abs(p)
        }
        return (sum, scale)
    }

    /// Each activation is rounded to the nearest multiple of d = max|x|/127 over its block of 256, so it is off by
    /// at most d/2; a zero block stays exactly zero.
    @Test(arguments: dtypes)
    func quantisedActivationsAreWithinHalfAStep(dtype: TensorDType) throws {
        let columns = 1024
        let (m, _) = try RuntimeStoredWeightsTests.matrix(dtype, rows: 2, columns: columns)
        var x = Self.activations(columns, seed: 3)
        for i in 256..<512 { x[i] = 0 }
        let xh = try #require(m.quantizedActivationValues(x))
        let block = 256
        for b in 0..<(columns / block) {
            let range = (b * block)..<((b + 1) * block)
            let amax = range.map { abs(x[$0]) }.max() ?? 0
            for i in range {
                #expect(abs(xh[i] - x[i]) <= amax / 254 * (1 + 1e-5), "\(dtype) element \(i)")
            }
            // The largest element maps to ±127·d = ±max|x|.
            let top = range.map { abs(xh[$0]) }.max() ?? 0
            #expect(abs(top - amax) <= amax * 1e-6, "\(dtype) block \(b)")
        }
        #expect(xh[256..<512].allSatisfy { $0 == 0 })
    }

    /// AVX2 (when the CPU has it) and portable, plain and through a row permutation, with and without accumulate:
    /// equal to the Double product of the dequantised weights with the quantised activations within 2e-6 relative
    /// (the integer sums are exact; only their F32 combination per block rounds); and within the bound the
    /// activation rounding allows of the exact product with the F32 activations: Σ_blocks (max|x|/254)·Σ|w|.
    @Test(arguments: dtypes)
    func integerKernelEqualsDequantisedProduct(dtype: TensorDType) throws {
        let columns = 768, rows = 13
        let block = 256
        let x = Self.activations(columns, seed: 7)
        let permutation = (0..<rows).map { (rows - 1 - $0 + 5) % rows }
        let y0 = (0..<rows).map { Float($0) * 0.25 - 1 }
        defer { Kernels.forcePortableKernels(false) }
        var typical: [Double] = []
        for portable in [false, true] {
            Kernels.forcePortableKernels(portable)
            for map in [nil, permutation] {
                let (m, stored) = try RuntimeStoredWeightsTests.matrix(
                    dtype, rows: rows, columns: columns, storedRows: map)
                #expect(m.quantizedActivationBytes > 0)
                let values = (0..<rows).flatMap { r in
                    stored[((map?[r] ?? r) * columns)..<((map?[r] ?? r) * columns + columns)]
                }
                let xh = try #require(m.quantizedActivationValues(x))
                for accumulate in [false, true] {
                    let y = Self.run(m, x: x, y0: y0, accumulate: accumulate)
                    let label = "\(dtype) portable \(portable) permuted \(map != nil) accumulate \(accumulate)"
                    for r in 0..<rows {
                        let base = accumulate ? Double(y0[r]) : 0
                        let (quantised, scale) = Self.dot(values, row: r, columns: columns, xh)
                        #expect(
                            abs(Double(y[r]) - base - quantised) <= 2e-6 * scale + 1e-6 * abs(base),
                            "\(label) row \(r): \(y[r]) vs \(base + quantised)")
                        let (exact, exactScale) = Self.dot(values, row: r, columns: columns, x)
                        // Worst case Σ (d_b/2)·|w|, and the RMS of Σ w·e for independent uniform errors e in
                        // ±d_b/2: √(Σ w²·d_b²/12).
                        var bound = 0.0, variance = 0.0
                        for b in 0..<(columns / block) {
                            let range = (b * block)..<((b + 1) * block)
                            let step = Double(range.map { abs(x[$0]) }.max() ?? 0) / 127
                            for i in range {
                                let w = Double(values[r * columns + i])
                                bound += step / 2 * abs(w)
                                variance += w * w * step * step / 12
                            }
                        }
                        let error = abs(Double(y[r]) - base - exact)
                        #expect(
                            error <= bound * (1 + 1e-5) + 2e-6 * exactScale + 1e-6 * abs(base),
                            "\(label) row \(r): error \(error) > bound \(bound)")
                        typical.append(error / max(variance.squareRoot(), 1e-30))
                    }
                }
            }
        }
        // Round-to-nearest errors are unbiased and cancel like a random walk: the mean |error| is about
        // √(2/π) ≈ 0.8 of that RMS (a biased rounding, e.g. truncation, would grow with the row length instead).
        let mean = typical.reduce(0, +) / Double(typical.count)
        #expect(mean < 1.5, "\(dtype): mean |error| / RMS of the rounding model = \(mean)")
    }

    /// Decode (`Kernels.linear` on one row, 1 and 2 threads) runs the integer kernel for these dtypes: its output is
    /// bit-identical to `matvec(rows:quantized:…)`; prefill (several rows) stays on dequantise-then-sgemm in F32.
    @Test(arguments: dtypes)
    func decodeUsesTheIntegerKernel(dtype: TensorDType) throws {
        let columns = 512, rows = 41
        let (m, values) = try RuntimeStoredWeightsTests.matrix(dtype, rows: rows, columns: columns)
        let x = Self.activations(columns, seed: 13)
        let expected = Self.run(m, x: x, y0: [Float](repeating: 0, count: rows), accumulate: false)
        defer { BLAS.setThreads(ProcessInfo.processInfo.activeProcessorCount) }
        for threads in [1, 2] {
            BLAS.setThreads(threads)
            var y = [Float](repeating: 0, count: rows)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer {
                    Kernels.linear(m, out: rows, x: xp.baseAddress!, rows: 1, y: $0.baseAddress!)
                }
            }
            #expect(y.bitPatterns == expected.bitPatterns, "\(dtype) threads \(threads)")
            // Two identical rows through prefill: exact F32 arithmetic (within sgemm's summation error).
            let two = x + x
            var z = [Float](repeating: 0, count: 2 * rows)
            two.withUnsafeBufferPointer { xp in
                z.withUnsafeMutableBufferPointer {
                    Kernels.linear(m, out: rows, x: xp.baseAddress!, rows: 2, y: $0.baseAddress!)
                }
            }
            for r in 0..<rows {
                let (exact, scale) = Self.dot(values, row: r, columns: columns, x)
                #expect(abs(Double(z[r]) - exact) <= 1e-5 * scale, "\(dtype) prefill row \(r)")
            }
        }
    }

    /// A NaN or ∞ activation makes the products it enters NaN (as the F32 kernels do), in both versions; the
    /// other blocks' activations are unaffected.
    @Test(arguments: dtypes)
    func nonFiniteActivationsPropagate(dtype: TensorDType) throws {
        let columns = 512, rows = 3
        let (m, _) = try RuntimeStoredWeightsTests.matrix(dtype, rows: rows, columns: columns)
        defer { Kernels.forcePortableKernels(false) }
        for bad in [Float.nan, .infinity] {
            var x = Self.activations(columns, seed: 21)
            x[300] = bad
            for portable in [false, true] {
                Kernels.forcePortableKernels(portable)
                let y = Self.run(m, x: x, y0: [0, 0, 0], accumulate: false)
                #expect(y.allSatisfy { $0.isNaN }, "\(dtype) \(bad) portable \(portable): \(y)")
            }
            let xh = try #require(m.quantizedActivationValues(x))
            #expect(xh[0..<256].allSatisfy { $0.isFinite })
        }
    }

    /// F16, BF16, Q8_0 (8-bit activations would double its rounding error) and Q4_0/Q4_1/Q5_0/Q5_1 keep F32
    /// activations in decode.
    @Test func otherDtypesKeepF32Activations() throws {
        for dtype in [TensorDType.f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1] {
            let (m, _) = try RuntimeStoredWeightsTests.matrix(dtype, rows: 2, columns: 256)
            #expect(m.quantizedActivationBytes == 0, "\(dtype)")
            #expect(m.quantizedActivationValues([Float](repeating: 1, count: 256)) == nil, "\(dtype)")
        }
    }
}
