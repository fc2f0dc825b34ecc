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

    private func buildPairs() {
        var table = PairTable(capacity: 1 << 16)
        var sizes: [Int: Int] = [:]
        for k in 0..<corpus.count {
            let src = corpus.sourceSentence(k), trg = corpus.targetSentence(k)
            guard !src.isEmpty, !trg.isEmpty else { continue }
            trainingTargetTokens += trg.count
            sizes[trg.count << 32 | src.count, default: 0] += 1
            for f in trg {
                table.insert(0, f)
                for e in src { table.insert(e, f) }
            }
        }
        pairs = table
        probabilities = [Double](repeating: 0, count: table.count)
        sizeCounts = sizes.map { (m: $0.key >> 32, n: $0.key & 0xFFFF_FFFF, count: $0.value) }
            .sorted { ($0.m, $0.n) < ($1.m, $1.n) }
    }

    /// Runs passes 1 … I−1 (E-step and M-step). Pass I, the decoding pass, is `align()`.
    public func train() {
        let updates = max(0, options.iterations - 1)
        let workers = max(1, options.threads)
        var buffers = [[Int64]](repeating: [Int64](repeating: 0, count: pairs.count), count: min(workers, max(1, DeterministicParallel.chunkCount(corpus.count))))
        for iter in 0..<updates {
            let stats = expectation(into: &buffers)
            var counts = [Double](repeating: 0, count: pairs.count)
            for b in buffers.indices {
                for p in 0..<counts.count { counts[p] += FixedPointCounts.decode(buffers[b][p]) }
            }
            if options.favorDiagonal && options.optimizeTension && iter > 0 {
                updateTension(empiricalFeature: stats.feature / Double(max(1, trainingTargetTokens)))
            }
            if iter == updates - 1 { keptCounts = counts }
            normalize(counts)
            log.append(IterationReport(iteration: iter + 1, logLikelihood: stats.logLikelihood,
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

    @inline(__always) private func prob(_ index: Int32) -> Double {
        probabilitiesInitialized && index >= 0 ? probabilities[Int(index)] : 1e-9
    }

    private func expectation(_ range: Range<Int>, counts: UnsafeMutablePointer<Int64>) -> PassStats {
        var stats = PassStats()
        var probs = [Double](), index = [Int32]()
        for k in range {
            let src = corpus.sourceSentence(k), trg = corpus.targetSentence(k)
            let n = src.count, m = trg.count
            guard n > 0, m > 0 else { continue }
            probs.removeAll(keepingCapacity: true)
            probs.append(contentsOf: repeatElement(0, count: n + 1))
            index.removeAll(keepingCapacity: true)
            index.append(contentsOf: repeatElement(-1, count: n + 1))
            var local = 0.0
            for (j, f) in trg.enumerated() {
                let sum = fillPosteriors(j: j, f: f, src: src, m: m, probs: &probs, index: &index)
                local += Foundation.log(sum)
                let c0 = probs[0] / sum
                stats.nullMass += c0
                counts[Int(index[0])] &+= FixedPointCounts.encode(c0)
                for i in 1...n {
                    let p = probs[i] / sum
                    counts[Int(index[i])] &+= FixedPointCounts.encode(p)
                    stats.feature += DiagonalPrior.feature(j, i, m, n) * p  // sic: j, not j+1 (fast_align)
                }
            }
            stats.logLikelihood += local
        }
        return stats
    }

    /// probs[0] = NULL, probs[i] = source word i (1-based); returns their sum.
    @inline(__always)
    private func fillPosteriors(j: Int, f: Int32, src: ArraySlice<Int32>, m: Int, probs: inout [Double], index: inout [Int32]) -> Double {
        let n = src.count
        var priorNull = 1.0 / Double(n + 1)
        var az = 0.0
        if options.favorDiagonal {
            priorNull = options.p0
            az = DiagonalPrior.z(j + 1, m, n, tension) / (1 - options.p0)
        }
        index[0] = pairs.index(0, f)
        probs[0] = prob(index[0]) * priorNull
        var sum = probs[0]
        var i = 1
        for e in src {
            let prior = options.favorDiagonal ? DiagonalPrior.unnormalized(j + 1, i, m, n, tension) / az : priorNull
            index[i] = pairs.index(e, f)
            probs[i] = prob(index[i]) * prior
            sum += probs[i]
            i += 1
        }
        return sum
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
                var probs = [Double](), index = [Int32]()
                for k in range { o.base[k] = self.viterbi(k, probs: &probs, index: &index) }
            }
        }
        return result
    }

    private func viterbi(_ k: Int, probs: inout [Double], index: inout [Int32]) -> [AlignmentLink] {
        let src = corpus.sourceSentence(k), trg = corpus.targetSentence(k)
        let n = src.count, m = trg.count
        guard n > 0, m > 0 else { return [] }
        probs = [Double](repeating: 0, count: n + 1)
        index = [Int32](repeating: -1, count: n + 1)
        var links: [AlignmentLink] = []
        for (j, f) in trg.enumerated() {
            _ = fillPosteriors(j: j, f: f, src: src, m: m, probs: &probs, index: &index)
            var best = 0, bestP = probs[0]
            for i in 1...n where probs[i] > bestP {
                best = i
                bestP = probs[i]
            }
            if best > 0 { links.append(options.reverse ? AlignmentLink(j, best - 1) : AlignmentLink(best - 1, j)) }
        }
        return links
    }

    /// Posterior link probabilities P(a_j = i) of sentence `k` under the current parameters, in file
    /// orientation: `result[i][j]` with i over the left sentence and j over the right one.
    public func posteriors(_ k: Int) -> [[Double]] {
        let src = corpus.sourceSentence(k), trg = corpus.targetSentence(k)
        let n = src.count, m = trg.count
        guard n > 0, m > 0 else { return [] }
        var probs = [Double](repeating: 0, count: n + 1), index = [Int32](repeating: -1, count: n + 1)
        var grid = options.reverse ? [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
                                   : [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for (j, f) in trg.enumerated() {
            let sum = fillPosteriors(j: j, f: f, src: src, m: m, probs: &probs, index: &index)
            for i in 1...n {
                if options.reverse { grid[j][i - 1] = probs[i] / sum } else { grid[i - 1][j] = probs[i] / sum }
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
            rows.append(LexicalTable.Row(source: corpus.sourceVocabulary.display(e[p]), target: corpus.targetVocabulary.display(f[p]),
                                         logProbability: Foundation.log(t), count: keptCounts[p]))
        }
        return LexicalTable(rows: rows)
    }
}
