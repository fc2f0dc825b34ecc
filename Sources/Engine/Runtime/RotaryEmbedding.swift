import Foundation

/// Rotary position embedding in the Hugging Face layout (`rotate_half`: dimension `i` pairs with `i + d/2`).
/// Frequencies follow transformers' F32 arithmetic so positions rotate identically.
struct RotaryEmbedding: Sendable {
    let headDim: Int
    /// `headDim / 2` inverse frequencies after scaling.
    let inverseFrequencies: [Float]

    init(headDim: Int, rope: RopeConfig) {
        self.headDim = headDim
        let half = headDim / 2
        let base = Float(rope.theta)
        var inv = (0..<half).map { i -> Float in
            let exponent = Float(2 * i) / Float(headDim)
            return 1 / powf(base, exponent)
        }
        switch rope.scaling {
        case .none:
            break
        case .linear(let factor):
            inv = inv.map { $0 / Float(factor) }
        case .llama3(let factor, let lowFactor, let highFactor, let original):
            let f = Float(factor), low = Float(lowFactor), high = Float(highFactor), old = Float(original)
            let lowWavelength = old / low
            let highWavelength = old / high
            inv = inv.map { freq in
                let wavelength = 2 * Float.pi / freq
                if wavelength < highWavelength { return freq }
                if wavelength > lowWavelength { return freq / f }
                let smooth = (old / wavelength - low) / (high - low)
                return (1 - smooth) * freq / f + smooth * freq
            }
        case .frequencyDivisors(let divisors):
            inv = inv.enumerated().map { i, freq in i < divisors.count ? freq / divisors[i] : freq }
        }
        inverseFrequencies = inv
    }

    /// cos and sin tables for one position (`headDim / 2` each).
    func angles(position: Int, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>) {
        let p = Float(position)
        for i in 0..<inverseFrequencies.count {
            let a = p * inverseFrequencies[i]
            c[i] = cosf(a)
            s[i] = sinf(a)
        }
    }

    /// Rotates `heads` consecutive vectors of `headDim` at `x` in place with the given tables.
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>) {
        let half = headDim / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let a = v[i], b = v[i + half]
                v[i] = a * c[i] - b * s[i]
                v[i + half] = b * c[i] + a * s[i]
            }
        }
    }
}
