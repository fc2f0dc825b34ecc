import Foundation

/// Rotary position embedding in the Hugging Face layout (`rotate_half`: dimension `i` pairs with `i + d/2`).
/// Frequencies follow transformers' F32 arithmetic so positions rotate identically.
struct RotaryEmbedding: Sendable {
    let headDim: Int
    /// `headDim / 2` inverse frequencies after scaling.
    let inverseFrequencies: [Float]
    /// LongRoPE: the frequencies used once a forward call's sequence exceeds `longFrom` positions.
    let longInverseFrequencies: [Float]?
    let longFrom: Int
    /// Multiplier of cos and sin (LongRoPE's attention factor; 1 otherwise).
    let attentionScaling: Float

    init(headDim: Int, rope: RopeConfig) {
        self.headDim = headDim
        let half = headDim / 2
        let base = Float(rope.theta)
        let powers = (0..<half).map { i -> Float in powf(base, Float(2 * i) / Float(headDim)) }
        var inv = powers.map { 1 / $0 }
        var long: [Float]?
        var longFrom = Int.max
        var attentionScaling: Float = 1
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
        case .longrope(let short, let longFactors, let original, let factor):
            // transformers: inv_freq = 1 / (ext_factors · base^(2i/d)), in F32.
            inv = zip(short, powers).map { 1 / ($0 * $1) }
            long = zip(longFactors, powers).map { 1 / ($0 * $1) }
            longFrom = original
            attentionScaling = Float(factor)
        }
        inverseFrequencies = inv
        longInverseFrequencies = long
        self.longFrom = longFrom
        self.attentionScaling = attentionScaling
    }

    /// Whether a forward call ending at `sequenceLength` positions uses the long frequencies (as transformers
    /// decides: the call's highest position + 1 against `original_max_position_embeddings`).
    func usesLongFrequencies(sequenceLength: Int) -> Bool {
        longInverseFrequencies != nil && sequenceLength > longFrom
    }

    /// cos and sin tables for one position (`headDim / 2` each).
    func angles(
        position: Int, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>, long: Bool = false
    ) {
        let p = Float(position)
        let frequencies = long ? (longInverseFrequencies ?? inverseFrequencies) : inverseFrequencies
        for i in 0..<frequencies.count {
            let a = p * frequencies[i]
            c[i] = cosf(a) * attentionScaling
            s[i] = sinf(a) * attentionScaling
        }
    }

    /// Rotates `heads` consecutive vectors of `headDim` at `x` in place with the given tables.
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>)
    {
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
