import Foundation

/// The diagonal prior's terms per sentence shape (m target words, n source words) for the current λ and p0: for
/// each target position the normaliser and the prior of source position 1 (`FastAlignKernel.diagonalTerms`), then
/// exp(λ/n). Shapes repeat across a corpus and λ is fixed after the first rounds of tension fitting, so the
/// incremental aligner computes these once per shape instead of once per target token (z costs two `pow` and
/// three `exp`). The values are the same ones `FastAlignKernel.fill` computes.
struct DiagonalTermsCache {
    private var lambda = Double.nan
    private var p0 = Double.nan
    /// Key `m << 32 | n` → [az₀, first₀, …, az_{m−1}, first_{m−1}, step].
    private(set) var terms: [Int: [Double]] = [:]

    static func key(m: Int, n: Int) -> Int { m << 32 | n }

    /// Makes sure every shape of `batch` has its terms for `lambda` and `p0` (all are dropped when either changed).
    mutating func prepare(for batch: IncrementalDirection.Batch, lambda: Double, p0: Double) {
        if lambda.bitPattern != self.lambda.bitPattern || p0.bitPattern != self.p0.bitPattern {
            terms = [:]
            self.lambda = lambda
            self.p0 = p0
        }
        for k in 0..<batch.count {
            let n = batch.sourceStarts[k + 1] - batch.sourceStarts[k],
                m = batch.targetStarts[k + 1] - batch.targetStarts[k]
            guard n > 0, m > 0, terms[Self.key(m: m, n: n)] == nil else { continue }
            var values: [Double] = []
            values.reserveCapacity(2 * m + 1)
            for j in 0..<m {
                let (az, first) = FastAlignKernel.diagonalTerms(j: j, m: m, n: n, p0: p0, lambda: lambda)
                values.append(az)
                values.append(first)
            }
            values.append(exp(lambda / Double(n)))
            terms[Self.key(m: m, n: n)] = values
        }
    }
}
