import Foundation

/// Options of the first-order HMM aligner (Vogel et al. 1996; NULL states as in Och & Ney 2003).
public struct HMMOptions: Sendable, Equatable {
    /// EM iterations of the HMM (each a forward-backward pass and an M-step). 4 and 5 give the same AER on
    /// grc-eng (0.3369 vs 0.3373 gdfa); 4 keeps the best model within fast_align's CPU time.
    public var iterations: Int = 4
    /// Probability of a transition into a NULL state (which remembers the previous source position).
    public var p0: Double = 0.2
    /// Variational-Bayes Dirichlet concentration for t(f|e) (as fast_align `-v`); 0 = plain EM. 0.1 was best of
    /// {0.01, 0.1, 0.3, 1} on grc-eng (dev gold, `transtok-bench align-tune`); ≥ 1 flattens t and fails.
    public var alpha: Double = 0.1
    /// Jumps longer than this share one bucket per side.
    public var maxJump: Int = 50
    /// Links whose posterior is at least this are kept in addition to the per-token argmax (> 1 disables).
    public var posteriorThreshold: Double = 2
    public var reverse: Bool = false
    public var threads: Int = 1
    public init() {}
}

/// A directional HMM word aligner trained by deterministic multi-threaded EM. Source positions are hidden states
/// (plus one NULL state per position); the transition depends on the jump width i − i′ only (one distribution
/// shared by all sentence lengths, renormalised over each sentence's positions). t(f|e) is initialised from a
/// trained `FastAlignModel`, so the usual schedule is fast_align IBM 2 → HMM.
public final class HMMModel: @unchecked Sendable {
    public let options: HMMOptions
    public let corpus: ParallelCorpus
    public let pairs: PairTable
    /// The pair-index cache of the initialising model (same layout: j·(n+1) + i, NULL at i = 0).
    let pairIndices: [Int32]
    let pairIndexStarts: [Int]
    public private(set) var probabilities: [Double]
    /// Expected counts c(e,f) of the last E-step, per pair index.
    public private(set) var counts: [Double]
    /// Jump weights, index d + maxJump for d in −maxJump … maxJump (clamped).
    public private(set) var jumps: [Double]
    public private(set) var logLikelihoods: [Double] = []

    /// Starts from the lexical table of `initial` (same corpus and direction) and a jump table favouring +1.
    public init(initializedFrom initial: FastAlignModel, options: HMMOptions) throws {
        guard initial.options.reverse == options.reverse else {
            throw AlignmentError.invalidArgument("HMM and its IBM initialisation must have the same direction")
        }
        self.options = options
        self.corpus = initial.corpus
        self.pairs = initial.pairs
        self.pairIndices = initial.pairIndices
        self.pairIndexStarts = initial.pairIndexStarts
        self.probabilities = initial.probabilities
        self.counts = [Double](repeating: 0, count: initial.pairs.count)
        let j = options.maxJump
        self.jumps = (0...(2 * j)).map { idx in
            let d = Double(idx - j)
            return exp(-abs(d - 1) * 0.5) // a diagonal-ish start: mode at +1
        }
    }

    @inline(__always) var jumpBuckets: Int { 2 * options.maxJump + 1 }

    public func train() {
        for _ in 0..<options.iterations { iterate() }
    }

    /// One E-step over the corpus and M-step.
    func iterate() {
        let workers = max(1, min(options.threads, DeterministicParallel.chunkCount(corpus.count)))
        let width = pairs.count + jumpBuckets
        var buffers = [[Int64]](repeating: [Int64](repeating: 0, count: width), count: workers)
        let pointers = buffers.indices.map { b in
            buffers[b].withUnsafeMutableBufferPointer { SendablePointer(base: $0.baseAddress!) }
        }
        var chunkLL = [Double](repeating: 0, count: DeterministicParallel.chunkCount(corpus.count))
        chunkLL.withUnsafeMutableBufferPointer { ll in
            let out = SendablePointer(base: ll.baseAddress!)
            DeterministicParallel.forEachChunk(count: corpus.count, threads: workers) { w, range, chunk in
                let ws = Workspace()
                var total = 0.0
                for k in range { total += self.forwardBackward(k, ws, accumulate: pointers[w].base, decode: nil) }
                out.base[chunk] = total
            }
        }
        logLikelihoods.append(chunkLL.reduce(0, +))
        // Add the integers first, decode once: exact for any number of workers.
        for b in buffers.indices.dropFirst() {
            for q in 0..<width { buffers[0][q] &+= buffers[b][q] }
        }
        let lexical = buffers[0][0..<pairs.count].map(FixedPointCounts.decode)
        let jumpCounts = buffers[0][pairs.count...].map(FixedPointCounts.decode)
        counts = lexical
        maximize(lexical: lexical, jumpCounts: jumpCounts)
    }

    func maximize(lexical: [Double], jumpCounts: [Double]) {
        let e = pairs.conditioning
        let alpha = options.alpha
        var totals = [Double](repeating: 0, count: corpus.sourceVocabulary.count)
        for p in 0..<lexical.count { totals[Int(e[p])] += lexical[p] + alpha }
        if alpha > 0 {
            let dt = totals.map { fastAlignDigamma($0 == 0 ? 1 : $0) }
            for p in 0..<lexical.count { probabilities[p] = exp(fastAlignDigamma(lexical[p] + alpha) - dt[Int(e[p])]) }
        } else {
            for p in 0..<lexical.count {
                probabilities[p] = lexical[p] / (totals[Int(e[p])] == 0 ? 1 : totals[Int(e[p])])
            }
        }
        let total = jumpCounts.reduce(0, +)
        if total > 0 { jumps = jumpCounts.map { ($0 + 0.1) / (total + 0.1 * Double(jumpBuckets)) } }
    }

    final class Workspace {
        var emission: [Double] = [], index: [Int32] = [], transition: [Double] = []
        var alpha: [Double] = [], beta: [Double] = [], scale: [Double] = [], prev: [Double] = [],
            weighted: [Double] = []
        var jumpLocal: [Double] = [], diffs: [Double] = []
        func reserve(m: Int, n: Int, buckets: Int) {
            func fit(_ a: inout [Double], _ c: Int) { if a.count < c { a = [Double](repeating: 0, count: c) } }
            fit(&emission, m * (n + 1))
            if index.count < m * (n + 1) { index = [Int32](repeating: -1, count: m * (n + 1)) }
            fit(&transition, (n + 1) * n)
            fit(&alpha, m * 2 * n)
            fit(&beta, m * 2 * n)
            fit(&scale, m)
            fit(&prev, n)
            fit(&weighted, n)
            fit(&diffs, 2 * n)
            if jumpLocal.count != buckets { jumpLocal = [Double](repeating: 0, count: buckets) }
        }
    }

    /// Forward-backward on sentence `k`. Adds fixed-point expected counts to `accumulate` (lexical then jumps)
    /// when given; fills `decode` with posteriors γ[j·(n+1) + i+1] (slot 0 = NULL) when given. Returns log P.
    @discardableResult
    func forwardBackward(
        _ k: Int, _ ws: Workspace, accumulate: UnsafeMutablePointer<Int64>?, decode: UnsafeMutablePointer<Double>?
    ) -> Double {
        let n = corpus.sourceLength(k), m = corpus.targetLength(k)
        guard n > 0, m > 0 else { return 0 }
        let buckets = jumpBuckets, maxJump = options.maxJump
        ws.reserve(m: m, n: n, buckets: buckets)
        let p0 = options.p0, p1 = 1 - options.p0
        return ws.emission.withUnsafeMutableBufferPointer { em in
            ws.index.withUnsafeMutableBufferPointer { ix in
                ws.transition.withUnsafeMutableBufferPointer { tr in
                    ws.alpha.withUnsafeMutableBufferPointer { a in
                        ws.beta.withUnsafeMutableBufferPointer { b in
                            ws.scale.withUnsafeMutableBufferPointer { c in
                                ws.prev.withUnsafeMutableBufferPointer { prev in
                                    ws.weighted.withUnsafeMutableBufferPointer { w in
                                        ws.jumpLocal.withUnsafeMutableBufferPointer { jl in
                                            ws.diffs.withUnsafeMutableBufferPointer { dl in
                                                jumps.withUnsafeBufferPointer { jumps in
                                                    probabilities.withUnsafeBufferPointer { t in
                                                        let row = n + 1
                                                        let cacheStart = pairIndexStarts[k]
                                                        pairIndices.withUnsafeBufferPointer { cache in
                                                            for q in 0..<(m * row) {
                                                                let p = cache[cacheStart + q]
                                                                ix[q] = p
                                                                em[q] = max(t[Int(p)], 1e-12)
                                                            }
                                                        }
                                                        // Transition rows: row 0 from the virtual start position −1, row i′+1 from position i′.
                                                        for from in -1..<n {
                                                            var sum = 0.0
                                                            let base = (from + 1) * n
                                                            for i in 0..<n {
                                                                let d = min(maxJump, max(-maxJump, i - from))
                                                                tr[base + i] = jumps[d + maxJump]
                                                                sum += tr[base + i]
                                                            }
                                                            let inv = 1 / sum
                                                            for i in 0..<n { tr[base + i] *= inv }
                                                        }
                                                        // Forward (scaled). States 0..<n real positions, n..<2n NULL remembering position.
                                                        let s2 = 2 * n
                                                        var sum = 0.0
                                                        for i in 0..<n {
                                                            a[i] = p1 * tr[i] * em[i + 1]
                                                            a[n + i] = p0 * tr[i] * em[0]
                                                            sum += a[i] + a[n + i]
                                                        }
                                                        c[0] = sum
                                                        for s in 0..<s2 { a[s] /= sum }
                                                        for j in 1..<max(1, m) {
                                                            let pa = (j - 1) * s2, ca = j * s2
                                                            for i in 0..<n {
                                                                prev[i] = a[pa + i] + a[pa + n + i]
                                                                a[ca + i] = 0
                                                            }
                                                            for ip in 0..<n {
                                                                let pv = prev[ip]
                                                                let base = (ip + 1) * n
                                                                for i in 0..<n { a[ca + i] += pv * tr[base + i] }
                                                            }
                                                            sum = 0
                                                            let eNull = em[j * row]
                                                            for i in 0..<n {
                                                                a[ca + i] *= p1 * em[j * row + i + 1]
                                                                a[ca + n + i] = p0 * eNull * prev[i]
                                                                sum += a[ca + i] + a[ca + n + i]
                                                            }
                                                            c[j] = sum
                                                            let inv = 1 / sum
                                                            for s in 0..<s2 { a[ca + s] *= inv }
                                                        }
                                                        // Backward (scaled), accumulating expected jumps.
                                                        let lastB = (m - 1) * s2
                                                        for s in 0..<s2 { b[lastB + s] = 1 }
                                                        if accumulate != nil {
                                                            for d in 0..<buckets { jl[d] = 0 }
                                                            for d in 0..<(2 * n - 1) { dl[d] = 0 }
                                                        }
                                                        var j = m - 1
                                                        while j >= 1 {
                                                            let cb = j * s2, pb = (j - 1) * s2, pa = (j - 1) * s2
                                                            let eNull = em[j * row]
                                                            for i in 0..<n {
                                                                w[i] = p1 * em[j * row + i + 1] * b[cb + i]
                                                            }
                                                            let invC = 1 / c[j]
                                                            for ip in 0..<n {
                                                                let base = (ip + 1) * n
                                                                var r = 0.0
                                                                for i in 0..<n { r += tr[base + i] * w[i] }
                                                                let value = (r + p0 * eNull * b[cb + n + ip]) * invC
                                                                b[pb + ip] = value
                                                                b[pb + n + ip] = value
                                                                if accumulate != nil {
                                                                    let from = (a[pa + ip] + a[pa + n + ip]) * invC
                                                                    // Slot of jump i − ip is i + diff.
                                                                    let diff = n - 1 - ip
                                                                    for i in 0..<n {
                                                                        dl[i + diff] += from * tr[base + i] * w[i]
                                                                    }
                                                                }
                                                            }
                                                            j -= 1
                                                        }
                                                        // Posteriors.
                                                        for j in 0..<m {
                                                            let ca = j * s2
                                                            var norm = 0.0
                                                            for s in 0..<s2 { norm += a[ca + s] * b[ca + s] }
                                                            let inv = norm > 0 ? 1 / norm : 0
                                                            var nullMass = 0.0
                                                            for i in 0..<n {
                                                                nullMass += a[ca + n + i] * b[ca + n + i] * inv
                                                            }
                                                            if let acc = accumulate {
                                                                let i0 = ix[j * row]
                                                                if i0 >= 0 {
                                                                    acc[Int(i0)] &+= FixedPointCounts.encode(nullMass)
                                                                }
                                                                for i in 0..<n {
                                                                    let p = ix[j * row + i + 1]
                                                                    if p >= 0 {
                                                                        acc[Int(p)] &+= FixedPointCounts.encode(
                                                                            a[ca + i] * b[ca + i] * inv)
                                                                    }
                                                                }
                                                                if j == 0 {
                                                                    for i in 0..<n {
                                                                        let d = min(maxJump, max(-maxJump, i + 1))
                                                                        jl[d + maxJump] +=
                                                                            (a[i] + a[n + i]) * (b[i]) * inv
                                                                    }
                                                                }
                                                            }
                                                            if let decode {
                                                                decode[j * row] = nullMass
                                                                for i in 0..<n {
                                                                    decode[j * row + i + 1] =
                                                                        a[ca + i] * b[ca + i] * inv
                                                                }
                                                            }
                                                        }
                                                        if let acc = accumulate {
                                                            for slot in 0..<(2 * n - 1) {
                                                                let d = min(maxJump, max(-maxJump, slot - (n - 1)))
                                                                jl[d + maxJump] += dl[slot]
                                                            }
                                                            for d in 0..<buckets {
                                                                acc[pairs.count + d] &+= FixedPointCounts.encode(jl[d])
                                                            }
                                                        }
                                                        var ll = 0.0
                                                        for j in 0..<m { ll += Foundation.log(c[j]) }
                                                        return ll
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Posterior link probabilities of sentence `k` in file orientation: `result[i][j]`, i over the left
    /// sentence, j over the right one.
    public func posteriors(_ k: Int) -> [[Double]] {
        let n = corpus.sourceLength(k), m = corpus.targetLength(k)
        guard n > 0, m > 0 else { return [] }
        var gamma = [Double](repeating: 0, count: m * (n + 1))
        gamma.withUnsafeMutableBufferPointer {
            _ = forwardBackward(k, Workspace(), accumulate: nil, decode: $0.baseAddress!)
        }
        var grid =
            options.reverse
            ? [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
            : [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for j in 0..<m {
            for i in 0..<n {
                let g = gamma[j * (n + 1) + i + 1]
                if options.reverse { grid[j][i] = g } else { grid[i][j] = g }
            }
        }
        return grid
    }

    /// Posterior decoding in file orientation: each generated token links to its most probable source position
    /// unless NULL is more probable; links with posterior ≥ `posteriorThreshold` are added.
    public func align() -> [[AlignmentLink]] {
        var result = [[AlignmentLink]](repeating: [], count: corpus.count)
        result.withUnsafeMutableBufferPointer { out in
            let o = SendablePointer(base: out.baseAddress!)
            DeterministicParallel.forEachChunk(count: corpus.count, threads: options.threads) { _, range, _ in
                let ws = Workspace()
                var gamma: [Double] = []
                for k in range {
                    let n = self.corpus.sourceLength(k), m = self.corpus.targetLength(k)
                    guard n > 0, m > 0 else { continue }
                    gamma = [Double](repeating: 0, count: m * (n + 1))
                    gamma.withUnsafeMutableBufferPointer {
                        _ = self.forwardBackward(k, ws, accumulate: nil, decode: $0.baseAddress!)
                    }
                    var links: [AlignmentLink] = []
                    for j in 0..<m {
                        let row = j * (n + 1)
                        var best = 0
                        for i in 1...n where gamma[row + i] > gamma[row + best] { best = i }
                        for i in 1...n where i == best || gamma[row + i] >= self.options.posteriorThreshold {
                            links.append(self.options.reverse ? AlignmentLink(j, i - 1) : AlignmentLink(i - 1, j))
                        }
                    }
                    o.base[k] = links
                }
            }
        }
        return result
    }
}
