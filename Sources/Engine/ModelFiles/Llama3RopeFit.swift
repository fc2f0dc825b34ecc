import Foundation

/// llama.cpp stores Llama 3.x rope scaling in a GGUF only as `rope_freqs.weight` (one divisor per rotary frequency);
/// a Hugging Face `config.json` needs the `rope_scaling` parameters. This recovers them (factor, low/high frequency
/// factors, original context) from the divisors and accepts them only if they reproduce every divisor, so the
/// scaling is never silently dropped nor guessed.
enum Llama3RopeFit {
    /// Divisors of the llama3 scaling (as transformers computes it, in F32): 1 for high frequencies, `factor` for
    /// low ones, a smooth ramp between.
    static func divisors(headDim: Int, theta: Double, factor: Double, low: Double, high: Double, original: Int)
        -> [Float]
    {
        let f = Float(factor), lo = Float(low), hi = Float(high), old = Float(original)
        return (0..<(headDim / 2)).map { i in
            let freq = 1 / powf(Float(theta), Float(2 * i) / Float(headDim))
            let wavelength = 2 * Float.pi / freq
            if wavelength < old / hi { return 1 }
            if wavelength > old / lo { return f }
            let smooth = (old / wavelength - lo) / (hi - lo)
            return freq / ((1 - smooth) * freq / f + smooth * freq)
        }
    }

    /// The llama3 `rope_scaling` whose divisors are `stored`, nil when every divisor is 1 (no scaling); throws when
    /// no llama3 parameters reproduce them.
    static func fit(_ stored: [Float], headDim: Int, theta: Double) throws -> LlamaConfig.RopeScaling? {
        guard stored.count == headDim / 2, stored.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ModelFileError.invalidConfig(
                "rope_freqs.weight has \(stored.count) values, expected \(headDim / 2) positive ones (head_dim / 2)")
        }
        guard let factor = stored.max(), factor > 1 + 1e-6 else { return nil }
        // Points on the ramp give the line s = A / wavelength + B with A = original / (high − low), B = −low / (high − low).
        var xs: [Double] = [], ys: [Double] = []
        for (i, d) in stored.enumerated() where d > 1 + 1e-4 && d < factor * (1 - 1e-4) {
            let freq = 1 / pow(theta, Double(2 * i) / Double(headDim))
            xs.append(freq / (2 * Double.pi))
            ys.append((1 / Double(d) - 1 / Double(factor)) / (1 - 1 / Double(factor)))
        }
        // llama3 scaling depends on (original, low, high) only through original/low and original/high, so the
        // parameters are fixed up to a common scale: the representative with low_freq_factor 1 is written (as every
        // Llama 3.x config does); any representative gives the same frequencies.
        if xs.count >= 2 {
            let n = Double(xs.count), mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
            let sxx = zip(xs, xs).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - mx) }
            let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            if sxx > 0 {
                let a = sxy / sxx, b = my - a * mx
                if b < 0, a > 0 {
                    let width = -1 / b
                    let original = Int((a * width).rounded())
                    if let match = check(stored, headDim, theta, Double(factor), 1, 1 + width, original) {
                        return match
                    }
                }
            }
        }
        // No ramp point between the two plateaus: the usual ramp (1, 4) at the first original context reproducing them.
        for original in [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072] {
            if let match = check(stored, headDim, theta, Double(factor), 1, 4, original) { return match }
        }
        throw ModelFileError.invalidConfig(
            "rope_freqs.weight (max divisor \(factor)) matches no llama3 rope scaling; cannot write it as a Hugging Face rope_scaling"
        )
    }

    private static func check(
        _ stored: [Float], _ headDim: Int, _ theta: Double, _ factor: Double, _ low: Double,
        _ high: Double, _ original: Int
    ) -> LlamaConfig.RopeScaling? {
        guard low > 0, high > low, low.isFinite, high.isFinite else { return nil }
        // Round the ramp to what configs write (1, 4, …) when that still reproduces the divisors.
        for (lo, hi) in [(low.rounded(), high.rounded()), (low, high)] where lo > 0 && hi > lo {
            let computed = divisors(
                headDim: headDim, theta: theta, factor: factor, low: lo, high: hi, original: original)
            if zip(computed, stored).allSatisfy({ abs($0 - $1) <= 1e-4 * max(1, abs($1)) }) {
                return LlamaConfig.RopeScaling(
                    type: "llama3", factor: factor, originalMaxPositionEmbeddings: original,
                    lowFreqFactor: lo, highFreqFactor: hi)
            }
        }
        return nil
    }
}
