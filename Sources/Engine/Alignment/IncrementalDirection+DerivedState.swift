import Foundation

extension IncrementalDirection {
    /// Rebuilds everything the saved state leaves out (rows, sentence-size counts, token count, pair-index caches,
    /// row totals and t(f|e)) from the saved fields, after a snapshot and its change records have been read.
    func rebuildDerivedState() throws {
        rowTotals = [Double](repeating: 0, count: source.count)
        rowDigammas = [Double](repeating: 0, count: source.count)
        rowPairs = [[Int32]](repeating: [], count: source.count)
        probabilities = [Double](repeating: 0, count: pairs.count)
        for p in 0..<pairs.count {
            let e = Int(pairs.conditioning[p])
            let f = Int(pairs.generated[p])
            guard e >= 0, e < source.count, f >= 0, f < target.count else {
                throw AlignmentError.invalidState("pair \(p) out of vocabulary")
            }
            rowPairs[e].append(Int32(p))
        }
        sizeCounts = [:]
        targetTokens = 0
        for b in batches {
            for k in 0..<b.count {
                let n = b.sourceStarts[k + 1] - b.sourceStarts[k], m = b.targetStarts[k + 1] - b.targetStarts[k]
                guard n > 0, m > 0 else { continue }
                sizeCounts[m << 32 | n, default: 0] += 1
                targetTokens += m
            }
        }
        for i in batches.indices { try rebuildCache(i) }
        recomputeAllRows()
    }

    func recomputeAllRows() {
        for e in rowPairs.indices {
            var total = 0.0
            for p in rowPairs[e] { total += counts[Int(p)] + options.alpha }
            rowTotals[e] = total
            let dt = fastAlignDigamma(total == 0 ? 1 : total)
            rowDigammas[e] = dt
            for p in rowPairs[e] { probabilities[Int(p)] = exp(fastAlignDigamma(counts[Int(p)] + options.alpha) - dt) }
        }
    }
}
