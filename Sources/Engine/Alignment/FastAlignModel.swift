import Foundation

/// A Swift port of fast_align (Dyer et al. 2013) and of the trans-tokenization authors' fork
/// (`FremyCompany/fast_align`): IBM Model 1 with NULL, or the reparameterised IBM Model 2 with a diagonal prior,
/// tension optimisation and a variational-Bayes M-step. One direction per model; see `Symmetrizer`.
///
/// Semantics kept from the fork: `keptCounts` are the expected counts of the penultimate pass (the pass whose
/// M-step produced the final table), exported as the 4th column of the lexical table.
/// Deliberate differences: counts are race-free fixed-point sums (identical for any thread count, see
/// `DeterministicParallel`), rows are normalised in pair-index order rather than hash order, and empty
/// sentence pairs are skipped instead of producing NaN.
public final class FastAlignModel: @unchecked Sendable {
    public let options: FastAlignOptions
    /// The corpus as trained: the conditioning side is `source` (swapped when `options.reverse`).
    public let corpus: ParallelCorpus
    public private(set) var pairs = PairTable()
    /// t(f|e) per pair index (meaningful once `trained`).
    public private(set) var probabilities: [Double] = []
    /// Expected counts c(e,f) of the penultimate pass, per pair index.
    public private(set) var keptCounts: [Double] = []
    public private(set) var tension: Double
    public private(set) var log: [IterationReport] = []
    private var probabilitiesInitialized = false
    private var sizeCounts: [(m: Int, n: Int, count: Int)] = []
    /// Per sentence k, per target position j: the pair indices of (NULL, f_j), (e_1, f_j) … (e_n, f_j), at
    /// `pairIndexStarts[k] + j·(n+1)`. A deliberate memory-for-speed trade against fast_align, which hashes every
    /// pair on every pass: 4 bytes per (source length + 1) × target length, i.e. Σ m·(n+1) over the corpus.
    private(set) var pairIndices: [Int32] = []
    private(set) var pairIndexStarts: [Int] = []
    private var trainingTargetTokens = 0

    public struct IterationReport: Sendable, Equatable {
        public var iteration: Int
        public var logLikelihood: Double
        public var posteriorNull: Double
        public var tension: Double
    }

    /// `corpus` in file orientation (left = source); `options.reverse` swaps it internally.
    public init(corpus: ParallelCorpus, options: FastAlignOptions) {
        self.options = options
        self.corpus = options.reverse ? corpus.reversed() : corpus
        self.tension = options.diagonalTension
        buildPairs()
    }

    /// Sets t(f|e) of every pair from `probability(e, f)` (word ids of `corpus`) as if trained, so that an
    /// `HMMModel` can start from another model's table (the daemon's incremental IBM 2).
    func seedProbabilities(_ probability: (Int32, Int32) -> Double) {
        probabilities = (0..<pairs.count).map { probability(pairs.conditioning[$0], pairs.generated[$0]) }
        probabilitiesInitialized = true
    }

    private func buildPairs() {
        var table = PairTable(capacity: 1 << 16)
        var sizes: [Int: Int] = [:]
        var cache: [Int32] = []
        var starts = [Int](repeating: 0, count: corpus.count + 1)
        for k in 0..<corpus.count {
            let src = corpus.sourceSentence(k), trg = corpus.targetSentence(k)
            if !src.isEmpty, !trg.isEmpty {
                trainingTargetTokens += trg.count
                sizes[trg.count << 32 | src.count, default: 0] += 1
                for f in trg {
                    cache.append(table.insert(0, f))
                    for e in src { cache.append(table.insert(e, f)) }
                }
            }
            starts[k + 1] = cache.count
        }
        pairs = table
        pairIndices = cache
        pairIndexStarts = starts
        probabilities = [Double](repeating: 0, count: table.count)
        sizeCounts = sizes.map { (m: $0.key >> 32, n: $0.key & 0xFFFF_FFFF, count: $0.value) }
            .sorted { ($0.m, $0.n) < ($1.m, $1.n) }
    }

    /// Runs passes 1 … I−1 (E-step and M-step). Pass I, the decoding pass, is `align()`.
    public func train() {
        let updates = max(0, options.iterations - 1)
        let workers = max(1, options.threads)
        var buffers = [[Int64]](
            repeating: [Int64](repeating: 0, count: pairs.count),
            count: min(workers, max(1, DeterministicParallel.chunkCount(corpus.count))))
        for iter in 0..<updates {
            let stats = expectation(into: &buffers)
            // Add the integers first, decode once: exact for any number of workers.
            for b in buffers.indices.dropFirst() {
                for p in 0..<pairs.count { buffers[0][p] &+= buffers[b][p] }
            }
            let counts = buffers[0].map(FixedPointCounts.decode)
            if options.favorDiagonal && options.optimizeTension && iter > 0 {
                updateTension(empiricalFeature: stats.feature / Double(max(1, trainingTargetTokens)))
            }
            if iter == updates - 1 { keptCounts = counts }
            normalize(counts)
            log.append(
                IterationReport(
                    iteration: iter + 1, logLikelihood: stats.logLikelihood,
                    posteriorNull: stats.nullMass / Double(max(1, trainingTargetTokens)), tension: tension))
        }
        if keptCounts.isEmpty { keptCounts = [Double](repeating: 0, count: pairs.count) }
    }

    private struct PassStats { var logLikelihood = 0.0, feature = 0.0, nullMass = 0.0 }

    /// One E-step over the corpus into per-worker fixed-point buffers (zeroed first).
    private func expectation(into buffers: inout [[Int64]]) -> PassStats {
        let chunks = DeterministicParallel.chunkCount(corpus.count)
        var chunkStats = [PassStats](repeating: PassStats(), count: chunks)
        for b in buffers.indices { buffers[b].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        var bufferPointers: [SendablePointer<Int64>] = []
        // The buffers stay alive and unmoved for the whole pass (no appends during it).
        for b in buffers.indices {
            bufferPointers.append(buffers[b].withUnsafeMutableBufferPointer { SendablePointer(base: $0.baseAddress!) })
        }
        chunkStats.withUnsafeMutableBufferPointer { statsPointer in
            let statsOut = SendablePointer(base: statsPointer.baseAddress!)
            let ptrs = bufferPointers
            DeterministicParallel.forEachChunk(count: corpus.count, threads: buffers.count) { worker, range, chunk in
                statsOut.base[chunk] = self.expectation(range, counts: ptrs[worker].base)
            }
        }
        var total = PassStats()
        for s in chunkStats {
            total.logLikelihood += s.logLikelihood
            total.feature += s.feature
            total.nullMass += s.nullMass
        }
        return total
    }

    @inline(__always)
    private func fillPosteriors(
        j: Int, m: Int, n: Int, idx: UnsafePointer<Int32>, t: UnsafePointer<Double>, initialized: Bool,
        probs: UnsafeMutablePointer<Double>
    ) -> Double {
        FastAlignKernel.fill(
            j: j, m: m, n: n, idx: idx, t: t, initialized: initialized, favorDiagonal: options.favorDiagonal,
            p0: options.p0, lambda: tension, probs: probs)
    }

    private func expectation(_ range: Range<Int>, counts: UnsafeMutablePointer<Int64>) -> PassStats {
        var stats = PassStats()
        var probs = [Double](repeating: 0, count: 64)
        let initialized = probabilitiesInitialized
        pairIndices.withUnsafeBufferPointer { cache in
            probabilities.withUnsafeBufferPointer { t in
                for k in range {
                    let n = corpus.sourceLength(k), m = corpus.targetLength(k)
                    guard n > 0, m > 0 else { continue }
                    if probs.count < n + 1 { probs = [Double](repeating: 0, count: n + 1) }
                    var local = 0.0
                    probs.withUnsafeMutableBufferPointer { pb in
                        let p = pb.baseAddress!
                        for j in 0..<m {
                            let idx = cache.baseAddress! + pairIndexStarts[k] + j * (n + 1)
                            let sum = fillPosteriors(
                                j: j, m: m, n: n, idx: idx, t: t.baseAddress!, initialized: initialized, probs: p)
                            local += Foundation.log(sum)
                            let inv = 1 / sum
                            let c0 = p[0] * inv
                            stats.nullMass += c0
                            counts[Int(idx[0])] &+= FixedPointCounts.encode(c0)
                            var feature = 0.0
                            for i in 1...n {
                                let q = p[i] * inv
                                counts[Int(idx[i])] &+= FixedPointCounts.encode(q)
                                feature += DiagonalPrior.feature(j, i, m, n) * q // sic: j, not j+1 (fast_align)
                            }
                            stats.feature += feature
                        }
                    }
                    stats.logLikelihood += local
                }
            }
        }
        return stats
    }

    private func updateTension(empiricalFeature: Double) {
        for _ in 0..<8 {
            var model = 0.0
            for s in sizeCounts {
                for jj in 1...s.m { model += Double(s.count) * DiagonalPrior.dLogZ(jj, s.m, s.n, tension) }
            }
            model /= Double(max(1, trainingTargetTokens))
            tension += (empiricalFeature - model) * 20.0
            tension = min(14, max(0.1, tension))
        }
    }

    private func normalize(_ counts: [Double]) {
        let e = pairs.conditioning
        let alpha = options.variationalBayes ? options.alpha : 0
        var totals = [Double](repeating: 0, count: corpus.sourceVocabulary.count)
        for p in 0..<counts.count { totals[Int(e[p])] += counts[p] + alpha }
        if options.variationalBayes {
            let digammaTotals = totals.map { fastAlignDigamma($0 == 0 ? 1 : $0) }
            for p in 0..<counts.count {
                probabilities[p] = exp(fastAlignDigamma(counts[p] + alpha) - digammaTotals[Int(e[p])])
            }
        } else {
            for p in 0..<counts.count {
                let t = totals[Int(e[p])]
                probabilities[p] = counts[p] / (t == 0 ? 1 : t)
            }
        }
        probabilitiesInitialized = true
    }

    /// The decoding pass: Viterbi links of every sentence, in file orientation (`left-right`), in target-token
    /// order as fast_align prints them. Ties go to the lowest index, NULL first.
    public func align() -> [[AlignmentLink]] {
        var result = [[AlignmentLink]](repeating: [], count: corpus.count)
        result.withUnsafeMutableBufferPointer { out in
            let o = SendablePointer(base: out.baseAddress!)
            DeterministicParallel.forEachChunk(count: corpus.count, threads: options.threads) { _, range, _ in
                for k in range {
                    var links: [AlignmentLink] = []
                    self.forEachPosterior(k) { j, n, p in
                        var best = 0
                        for i in 1...n where p[i] > p[best] { best = i }
                        if best > 0 {
                            links.append(self.options.reverse ? AlignmentLink(j, best - 1) : AlignmentLink(best - 1, j))
                        }
                    }
                    o.base[k] = links
                }
            }
        }
        return result
    }

    /// Calls `body(j, n, probs)` with the unnormalised scores probs[0…n] (NULL first) of each target position.
    private func forEachPosterior(_ k: Int, _ body: (Int, Int, UnsafeMutablePointer<Double>) -> Void) {
        let n = corpus.sourceLength(k), m = corpus.targetLength(k)
        guard n > 0, m > 0 else { return }
        var probs = [Double](repeating: 0, count: n + 1)
        pairIndices.withUnsafeBufferPointer { cache in
            probabilities.withUnsafeBufferPointer { t in
                probs.withUnsafeMutableBufferPointer { pb in
                    for j in 0..<m {
                        let idx = cache.baseAddress! + pairIndexStarts[k] + j * (n + 1)
                        _ = fillPosteriors(
                            j: j, m: m, n: n, idx: idx, t: t.baseAddress!, initialized: probabilitiesInitialized,
                            probs: pb.baseAddress!)
                        body(j, n, pb.baseAddress!)
                    }
                }
            }
        }
    }

    /// Posterior link probabilities P(a_j = i) of sentence `k` under the current parameters, in file
    /// orientation: `result[i][j]` with i over the left sentence and j over the right one.
    public func posteriors(_ k: Int) -> [[Double]] {
        let n = corpus.sourceLength(k), m = corpus.targetLength(k)
        guard n > 0, m > 0 else { return [] }
        var grid =
            options.reverse
            ? [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
            : [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        forEachPosterior(k) { j, n, p in
            var sum = 0.0
            for i in 0...n { sum += p[i] }
            for i in 1...n {
                if options.reverse { grid[j][i - 1] = p[i] / sum } else { grid[i - 1][j] = p[i] / sum }
            }
        }
        return grid
    }

    /// The exported table (`-p`): rows `e f ln t(f|e) count`, e the conditioning word, filtered by the beam
    /// `ln t ≥ −ln(max_f t)·beam` (beam −4 keeps t ≥ max⁴). `beam: nil` exports every pair.
    public func lexicalTable(beam: Double? = -4) -> LexicalTable {
        let e = pairs.conditioning, f = pairs.generated
        var maxima = [Double](repeating: 0, count: corpus.sourceVocabulary.count)
        for p in 0..<probabilities.count { maxima[Int(e[p])] = max(maxima[Int(e[p])], probabilities[p]) }
        // Group rows by conditioning word id (NULL first), then pair index (first co-occurrence).
        let order = (0..<probabilities.count).sorted { (e[$0], $0) < (e[$1], $1) }
        var rows: [LexicalTable.Row] = []
        for p in order {
            let t = probabilities[p]
            guard t > 0 else { continue }
            if let beam, !(Foundation.log(t) >= -Foundation.log(maxima[Int(e[p])]) * beam) { continue }
            rows.append(
                LexicalTable.Row(
                    source: corpus.sourceVocabulary.display(e[p]), target: corpus.targetVocabulary.display(f[p]),
                    logProbability: Foundation.log(t), count: keptCounts[p]))
        }
        return LexicalTable(rows: rows)
    }
}
