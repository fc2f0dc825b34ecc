import Foundation

/// The per-token E-step arithmetic shared by `FastAlignModel` and the incremental aligner.
enum FastAlignKernel {
    /// Fills `probs[0…n]` (NULL, then source positions) for target position `j` from the cached pair indices
    /// `idx[0…n]` and returns their sum. The diagonal prior exp(λ·h) is evaluated as a geometric sequence on each
    /// side of the diagonal (two `exp` per target token instead of n; differs from fast_align in the last bits).
    @inline(__always)
    static func fill(
        j: Int, m: Int, n: Int, idx: UnsafePointer<Int32>, t: UnsafePointer<Double>, initialized: Bool,
        favorDiagonal favor: Bool, p0: Double, lambda: Double, probs: UnsafeMutablePointer<Double>
    ) -> Double {
        if favor {
            let (az, first) = diagonalTerms(j: j, m: m, n: n, p0: p0, lambda: lambda)
            return fillDiagonal(
                j: j, m: m, n: n, idx: idx, t: t, initialized: initialized, p0: p0, lambda: lambda,
                az: az, first: first, step: exp(lambda / Double(n)), probs: probs)
        }
        return fillUniform(n: n, idx: idx, t: t, initialized: initialized, probs: probs)
    }

    /// The diagonal prior's normaliser for target position `j` (over NULL and the source positions) and the prior
    /// of source position 1, both depending only on (j, m, n, λ, p0): the incremental aligner caches them per
    /// sentence shape (`DiagonalTermsCache`), since `z` costs two `pow` and three `exp`.
    @inline(__always)
    static func diagonalTerms(j: Int, m: Int, n: Int, p0: Double, lambda: Double) -> (az: Double, first: Double) {
        let az = DiagonalPrior.z(j + 1, m, n, lambda) / (1 - p0)
        return (az, DiagonalPrior.unnormalized(j + 1, 1, m, n, lambda) / az)
    }

    /// `fill` with the diagonal prior, from its precomputed terms (`step` = exp(λ/n)).
    @inline(__always)
    static func fillDiagonal(
        j: Int, m: Int, n: Int, idx: UnsafePointer<Int32>, t: UnsafePointer<Double>, initialized: Bool,
        p0: Double, lambda: Double, az: Double, first: Double, step: Double,
        probs: UnsafeMutablePointer<Double>
    ) -> Double {
        probs[0] = (initialized ? t[Int(idx[0])] : 1e-9) * p0
        var sum = probs[0]
        // h(i) = −|i/n − (j+1)/m| rises until i/n ≤ (j+1)/m, then falls: walk both runs geometrically.
        let split = Double(j + 1) / Double(m)
        let inverse = 1 / step
        var i = 1
        var prior = first
        while i <= n {
            let v = (initialized ? t[Int(idx[i])] : 1e-9) * prior
            probs[i] = v
            sum += v
            if i < n {
                // Recompute exactly at the turning point to avoid drift across it.
                if Double(i) / Double(n) < split && Double(i + 1) / Double(n) > split {
                    prior = DiagonalPrior.unnormalized(j + 1, i + 1, m, n, lambda) / az
                } else {
                    prior *= Double(i + 1) / Double(n) <= split ? step : inverse
                }
            }
            i += 1
        }
        return sum
    }

    @inline(__always)
    static func fillUniform(
        n: Int, idx: UnsafePointer<Int32>, t: UnsafePointer<Double>, initialized: Bool,
        probs: UnsafeMutablePointer<Double>
    ) -> Double {
        let uniform = 1.0 / Double(n + 1)
        var sum = 0.0
        for i in 0...n {
            let v = (initialized ? t[Int(idx[i])] : 1e-9) * uniform
            probs[i] = v
            sum += v
        }
        return sum
    }
}
