import Foundation

/// The mapping's view of the lexical table, computed in word ids.
///
/// `lexicalTable(beam:)` refreshes t(f|e) for every pair (millions of digammas) and makes two Strings per pair in
/// the beam, but the mapping then drops every pair with the NULL word and every pair below its minimum count,
/// which is nearly all of them. This returns just the surviving rows, with the very same values.
extension IncrementalAligner {
    /// Exactly `lexicalTable(beam:).alignedWordPairs` without the rows whose source or target prints as the NULL
    /// word (`<eps>`) and without the rows whose count is below `minCount`: same order, bit-identical
    /// log-probabilities and counts. Pass the mapping's `minCount` (any pair it keeps has `count >= minCount`,
    /// in the paper mode too, where the count is truncated first).
    ///
    /// Cost: one pass over the counts, plus t(f|e) only for pairs with `count >= minCount` and for each row's
    /// near-maximum pairs (the beam is relative to the row's largest t); the cached probabilities are not touched.
    public func alignedWordPairs(minCount: Double, beam: Double? = -4) -> [AlignedWordPair] {
        let d = forward
        let alpha = d.options.alpha
        let conditioning = d.pairs.conditioning, generated = d.pairs.generated
        let counts = d.counts, rowDigammas = d.rowDigammas
        // The same expression as `IncrementalDirection.refreshProbabilities(of:)`, so the values are bit-identical.
        // (`rowTotals` and `rowDigammas` are kept current eagerly by every re-estimation and retraction, and rebuilt
        // on loading.)
        func probability(_ p: Int, _ rowDigamma: Double) -> Double {
            exp(fastAlignDigamma(counts[p] + alpha) - rowDigamma)
        }
        var out: [AlignedWordPair] = []
        // Row 0 is the NULL word: every one of its rows is dropped.
        for row in d.rowPairs.indices.dropFirst() {
            let pairs = d.rowPairs[row]
            guard let maxCount = pairs.lazy.map({ counts[Int($0)] }).max(), maxCount >= minCount else { continue }
            let rowDigamma = rowDigammas[row]
            // t(f|e) = exp(ψ(c + α) − ψ(total)) increases with c, so the row's largest t is at its largest count.
            // The approximate digamma is monotone only up to rounding, so every pair within a relative 1e-9 of the
            // largest count is evaluated (ψ differs by ~1e-9 across that gap, far above the rounding error).
            let nearMax = (maxCount + alpha) * (1 - 1e-9)
            var maximum = 0.0
            if beam != nil {
                for p in pairs where counts[Int(p)] + alpha >= nearMax {
                    maximum = max(maximum, probability(Int(p), rowDigamma))
                }
            }
            for p in pairs.lazy.map(Int.init) where counts[p] >= minCount {
                let t = probability(p, rowDigamma)
                guard t > 0 else { continue }
                if let beam, !(Foundation.log(t) >= -Foundation.log(maximum) * beam) { continue }
                let source = d.source.display(conditioning[p]), target = d.target.display(generated[p])
                guard source != AlignedWordPair.nullWord, target != AlignedWordPair.nullWord else { continue }
                out.append(
                    AlignedWordPair(source: source, target: target, logProbability: Foundation.log(t), count: counts[p])
                )
            }
        }
        return out
    }
}
