import Foundation

/// fast_align's diagonal alignment prior (`da.h`, Dyer et al. 2013), ported with its quirks so λ follows the same
/// trajectory. Naming as in `da.h`: `i` = 1-based target position, `j` = 1-based source position, `m` = target
/// length, `n` = source length.
enum DiagonalPrior {
    @inline(__always) static func feature(_ i: Int, _ j: Int, _ m: Int, _ n: Int) -> Double {
        -abs(Double(j) / Double(n) - Double(i) / Double(m))
    }

    @inline(__always) static func unnormalized(_ i: Int, _ j: Int, _ m: Int, _ n: Int, _ lambda: Double) -> Double {
        exp(feature(i, j, m, n) * lambda)
    }

    /// Σ_{j=1..n} exp(λ·h(i, j, m, n)) in fast_align's closed form (two geometric series split at i·n/m).
    /// `numTop` is unsigned in C++; the wrap-around matters for the swapped call in `dLogZ`.
    static func z(_ i: Int, _ m: Int, _ n: Int, _ lambda: Double) -> Double {
        let split = Double(i) * Double(n) / Double(m)
        let floor = UInt32(truncatingIfNeeded: Int(split))
        let ceil = floor &+ 1
        let ratio = exp(-lambda / Double(n))
        let numTop = UInt32(truncatingIfNeeded: n) &- floor
        var top = 0.0, bottom = 0.0
        if numTop != 0 {
            top = unnormalized(i, Int(ceil), m, n, lambda) * (1.0 - pow(ratio, Double(numTop))) / (1.0 - ratio)
        }
        if floor != 0 {
            bottom = unnormalized(i, Int(floor), m, n, lambda) * (1.0 - pow(ratio, Double(floor))) / (1.0 - ratio)
        }
        return bottom + top
    }

    private static func arithmeticoGeometric(_ a1: Double, _ g1: Double, _ r: Double, _ d: Double, _ n: UInt32)
        -> Double
    {
        let gnp1 = g1 * pow(r, Double(n))
        let an = d * (Double(n) - 1) + a1
        let x1 = a1 * g1
        let g2 = g1 * r
        let rm1 = r - 1
        return (an * gnp1 - x1) / rm1 - d * (gnp1 - g2) / (rm1 * rm1)
    }

    /// fast_align's d log Z / dλ, including its quirk of calling `z` with m and n swapped.
    static func dLogZ(_ i: Int, _ m: Int, _ n: Int, _ lambda: Double) -> Double {
        let zz = z(i, n, m, lambda) // sic: swapped, as in da.h
        let split = Double(i) * Double(n) / Double(m)
        let floor = UInt32(truncatingIfNeeded: Int(split))
        let ceil = floor &+ 1
        let ratio = exp(-lambda / Double(n))
        let d = -1.0 / Double(n)
        let numTop = UInt32(truncatingIfNeeded: n) &- floor
        var pct = 0.0, pcb = 0.0
        if numTop != 0 {
            pct = arithmeticoGeometric(
                feature(i, Int(ceil), m, n), unnormalized(i, Int(ceil), m, n, lambda), ratio, d, numTop)
        }
        if floor != 0 {
            pcb = arithmeticoGeometric(
                feature(i, Int(floor), m, n), unnormalized(i, Int(floor), m, n, lambda), ratio, d, floor)
        }
        return (pct + pcb) / zz
    }
}

/// fast_align's digamma approximation (`Md::digamma`), used by the variational-Bayes M-step.
@inline(__always) func fastAlignDigamma(_ x0: Double) -> Double {
    var x = x0
    var result = 0.0
    while x < 7 {
        result -= 1 / x
        x += 1
    }
    x -= 0.5
    let xx = 1 / x
    let xx2 = xx * xx
    let xx4 = xx2 * xx2
    result +=
        log(x) + (1.0 / 24.0) * xx2 - (7.0 / 960.0) * xx4 + (31.0 / 8064.0) * xx4 * xx2 - (127.0 / 30720.0) * xx4 * xx4
    return result
}
