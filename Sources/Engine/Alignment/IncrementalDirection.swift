import Foundation

/// Settings of the incremental aligner (fast_align's reparameterised IBM 2 with `-d -o -v` semantics).
public struct IncrementalOptions: Sendable, Equatable {
    /// VB concentration. 0.1 rather than fast_align's 0.01: with 0.01 early batches trained alone become too
    /// sharp and later EM cannot leave that optimum (grc-eng, 10 batches: 0.391 vs 0.371 gdfa AER).
    public var alpha: Double = 0.1
    public var p0: Double = 0.08
    public var initialTension: Double = 4
    public var optimizeTension = true
    /// EM passes over each newly added batch (the first is prior-driven, like fast_align's first pass). 2 tracks a
    /// from-scratch run best on grc-eng (4 passes overfit the first batches: 0.391 vs 0.370 from scratch).
    public var localIterations = 2
    /// Old segments whose statistics are re-estimated after each addition (least recently refreshed first), at most.
    public var refreshBatches = 2
    /// ... and only until this many old sentences per added sentence have been re-estimated (at least one segment).
    /// Keeps an update's work in proportion to the new data: with 2,048-sentence segments, 1,000 new pairs refresh
    /// one old segment, not two (grc-eng, 10 batches of 793: still two, as before). Not part of the saved state.
    public var refreshSentencesPerAdded = 2.0
    /// A batch larger than this is kept as several segments of at most this many sentences (statistics are stored
    /// and refreshed per segment). This bounds the refresh after an addition: re-estimating "two old batches" must
    /// not mean re-reading a 30,000-pair first batch every time 1,000 pairs arrive. Not part of the saved state:
    /// it only shapes future additions.
    public var maxSegmentSentences = 2_048
    /// Also train the reverse direction (target→source), needed only for symmetrised links (`align(symmetrize:)`).
    /// The mapping reads the forward table alone, so the daemon turns it off: half the work and half the state.
    public var reverseDirection = true
    public var threads = 1
    public init() {}
}

/// One direction of the incremental aligner: incremental EM in the sense of Neal & Hinton (1998). The state
/// keeps, per batch, the sufficient statistics it last contributed (sparse expected counts c(e,f) and the
/// diagonal feature), and their totals. Adding a batch runs a few EM passes on the new batch only and re-estimates
/// a bounded number of old batches; retracting subtracts the batch's last statistics exactly. t(f|e) is cached
/// per pair and recomputed only for the rows (conditioning words) a batch touched, so an update costs work in
/// proportion to the new data plus the refresh, not to the corpus.
final class IncrementalDirection: @unchecked Sendable {
    struct Batch {
        var id: Int
        var sourceIDs: [Int32], sourceStarts: [Int], targetIDs: [Int32], targetStarts: [Int]
        /// Pair indices per sentence and target position (layout as `FastAlignModel.pairIndices`).
        var cache: [Int32] = []
        var cacheStarts: [Int] = [0]
        /// The pairs this batch touches, ascending: the support of its statistics.
        var support: [Int32] = []
        var statPairs: [Int32] = []
        var statCounts: [Double] = []
        var feature = 0.0
        var refreshedAt = 0
        var count: Int { sourceStarts.count - 1 }
    }

    let options: IncrementalOptions
    var source = Vocabulary(), target = Vocabulary()
    var pairs = PairTable(capacity: 1 << 16)
    var counts: [Double] = []
    var probabilities: [Double] = []
    var rowTotals: [Double] = []
    /// ψ(total(e)) per row (ψ(1) for an empty one), kept with `rowTotals` so that refreshing t(f|e) costs one
    /// digamma per pair instead of two.
    var rowDigammas: [Double] = []
    var rowPairs: [[Int32]] = []
    var tension: Double
    var sizeCounts: [Int: Int] = [:]
    var targetTokens = 0
    var featureTotal = 0.0
    var batches: [Batch] = []
    var clock = 0
    var tensionRoundsDone = 0
    /// What changed since the state was last saved, for `IncrementalAligner.serializedChanges()`.
    var changes = ChangeTracker()
    /// The diagonal prior's terms per sentence shape (derived; rebuilt when λ changes).
    private var diagonalTerms = DiagonalTermsCache()
    /// Per-worker dense fixed-point accumulators; only a batch's support is written and reset, so a pass costs ∝ batch.
    private var scratch: [[Int64]] = []

    init(options: IncrementalOptions) {
        self.options = options
        self.tension = options.initialTension
    }

    // MARK: adding and retracting

    func add(id: Int, sentences: [(source: [String], target: [String])]) {
        let segment = max(1, options.maxSegmentSentences)
        var added: [Int] = []
        for start in stride(from: 0, to: max(1, sentences.count), by: segment) {
            added.append(appendSegment(id: id, sentences[start..<min(sentences.count, start + segment)]))
        }
        // As fast_align: λ is re-fitted after every pass from the second on. Within a pass the segments are
        // re-estimated in turn (incremental EM: each sees the statistics of those before it).
        for pass in 0..<max(1, options.localIterations) {
            for index in added { reestimate(index, uniform: pass == 0) }
            if pass > 0 { updateTension() }
        }
        // Bounded refresh of the least recently re-estimated old segments.
        let old = batches.indices.filter { !added.contains($0) }
            .sorted { (batches[$0].refreshedAt, $0) < (batches[$1].refreshedAt, $1) }
        let budget = options.refreshSentencesPerAdded * Double(sentences.count)
        var refreshed = 0
        for i in old.prefix(options.refreshBatches) {
            if refreshed > 0, Double(refreshed) >= budget { break }
            reestimate(i, uniform: false)
            refreshed += batches[i].count
        }
        updateTension()
    }

    /// Interns the words of `sentences`, caches their pair indices and appends them as one segment of batch `id`
    /// (no statistics yet). Returns the segment's index.
    private func appendSegment(id: Int, _ sentences: ArraySlice<(source: [String], target: [String])>) -> Int {
        var b = Batch(id: id, sourceIDs: [], sourceStarts: [0], targetIDs: [], targetStarts: [0])
        for (s, t) in sentences {
            for w in s { b.sourceIDs.append(source.intern(w)) }
            for w in t { b.targetIDs.append(target.intern(w)) }
            b.sourceStarts.append(b.sourceIDs.count)
            b.targetStarts.append(b.targetIDs.count)
        }
        while rowTotals.count < source.count {
            rowTotals.append(0)
            rowDigammas.append(fastAlignDigamma(1))
            rowPairs.append([])
        }
        for k in 0..<b.count {
            let n = b.sourceStarts[k + 1] - b.sourceStarts[k], m = b.targetStarts[k + 1] - b.targetStarts[k]
            var size = 0
            if n > 0, m > 0 {
                sizeCounts[m << 32 | n, default: 0] += 1
                targetTokens += m
                size = m * (n + 1)
            }
            b.cacheStarts.append(b.cacheStarts[k] + size)
        }
        b.cache = pairIndices(of: b)
        b.support = DistinctSort.distinctSorted(b.cache)
        batches.append(b)
        return batches.count - 1
    }

    /// Removes every segment of batch `id` and subtracts the statistics they contributed. Returns false when no
    /// such batch.
    func retract(id: Int) -> Bool {
        guard batches.contains(where: { $0.id == id }) else { return false }
        var touched = Set<Int32>()
        while let index = batches.firstIndex(where: { $0.id == id }) { removeSegment(at: index, touching: &touched) }
        refreshRows(touched.sorted())
        updateTension()
        return true
    }

    private func removeSegment(at index: Int, touching touched: inout Set<Int32>) {
        let b = batches[index]
        let conditioning = pairs.conditioning
        for (p, c) in zip(b.statPairs, b.statCounts) {
            counts[Int(p)] -= c
            if counts[Int(p)] < 0 { counts[Int(p)] = 0 } // rounding only; statistics were added exactly
            touched.insert(conditioning[Int(p)])
        }
        featureTotal -= b.feature
        changes.segmentsRemoved = true // indices shift: the next save is a full snapshot
        for k in 0..<b.count {
            let n = b.sourceStarts[k + 1] - b.sourceStarts[k], m = b.targetStarts[k + 1] - b.targetStarts[k]
            guard n > 0, m > 0 else { continue }
            let key = m << 32 | n
            sizeCounts[key]! -= 1
            if sizeCounts[key] == 0 { sizeCounts[key] = nil }
            targetTokens -= m
        }
        batches.remove(at: index)
    }

    /// The pair index of every (NULL or source word, target word) of the batch's sentences, in the layout of
    /// `Batch.cache`, new pairs added. Pairs already in the table are looked up on all threads (read-only probes:
    /// the table is large, so this is mostly waiting on memory); the missing ones are then inserted in sentence
    /// order, so new pairs get exactly the indices a sequential pass would give them.
    private func pairIndices(of b: Batch) -> [Int32] {
        var cache = [Int32](repeating: -1, count: b.cacheStarts.last ?? 0)
        do {
            let table = pairs // released before the inserts below (which would otherwise copy it)
            cache.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let out = SendablePointer(base: base)
                DeterministicParallel.forEachChunk(count: b.count, threads: options.threads) { _, range, _ in
                    for k in range {
                        var at = b.cacheStarts[k]
                        guard b.cacheStarts[k + 1] > at else { continue }
                        for f in b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]] {
                            out.base[at] = table.index(0, f)
                            at += 1
                            for e in b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]] {
                                out.base[at] = table.index(e, f)
                                at += 1
                            }
                        }
                    }
                }
            }
        }
        for k in 0..<b.count where b.cacheStarts[k + 1] > b.cacheStarts[k] {
            var at = b.cacheStarts[k]
            for f in b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]] {
                if cache[at] < 0 { cache[at] = insertPair(0, f) }
                at += 1
                for e in b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]] {
                    if cache[at] < 0 { cache[at] = insertPair(e, f) }
                    at += 1
                }
            }
        }
        return cache
    }

    private func insertPair(_ e: Int32, _ f: Int32) -> Int32 {
        let before = pairs.count
        let p = pairs.insert(e, f)
        if pairs.count > before {
            counts.append(0)
            probabilities.append(0)
            rowPairs[Int(e)].append(p)
        }
        return p
    }

    /// Rebuilds a batch's pair-index cache and support from its sentences (after deserialisation).
    func rebuildCache(_ index: Int) throws {
        var b = batches[index]
        b.cache = []
        b.cacheStarts = [0]
        for k in 0..<b.count {
            let src = b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]],
                trg = b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]]
            if !src.isEmpty {
                for f in trg {
                    for e in [0] + src {
                        let p = pairs.index(e, f)
                        guard p >= 0 else {
                            throw AlignmentError.invalidState("batch \(b.id) uses a pair missing from the table")
                        }
                        b.cache.append(p)
                    }
                }
            }
            b.cacheStarts.append(b.cache.count)
        }
        b.support = DistinctSort.distinctSorted(b.cache)
        batches[index] = b
    }

    // MARK: EM

    /// Replaces batch `index`'s statistics with a fresh E-step under the current parameters (or under a uniform
    /// lexical table, as fast_align's first pass), then refreshes t for the rows involved.
    func reestimate(_ index: Int, uniform: Bool) {
        let b = batches[index]
        changes.noteReestimated(segment: index, support: b.support)
        if !uniform { refreshProbabilities(of: b.support) }
        var fresh = expectation(b, uniform: uniform)
        counts.withUnsafeMutableBufferPointer { counts in
            for (p, c) in zip(b.statPairs, b.statCounts) { counts[Int(p)] -= c }
            for (p, c) in zip(fresh.pairs, fresh.counts) {
                counts[Int(p)] += c
                if counts[Int(p)] < 0 { counts[Int(p)] = 0 }
            }
        }
        // One copy of the column outside the loop (reading `pairs.conditioning` per element retained the table).
        let conditioning = pairs.conditioning
        let touched = DistinctSort.distinctSorted(b.support.map { conditioning[Int($0)] })
        featureTotal += fresh.feature - b.feature
        clock += 1
        batches[index].statPairs = fresh.pairs
        batches[index].statCounts = fresh.counts
        batches[index].feature = fresh.feature
        batches[index].refreshedAt = clock
        fresh = Stats()
        refreshRows(touched)
    }

    /// VB M-step, first half: the row totals Σ_f (c(e,f) + α) of the given distinct rows, summed afresh in one fixed
    /// order (so they never drift and do not depend on the thread count).
    ///
    /// The second half, t(f|e) = exp(ψ(c(e,f) + α) − ψ(total(e))) (fast_align `NormalizeVB`, same digamma), is
    /// computed lazily by `refreshProbabilities(of:)` for just the pairs an E-step or a Viterbi pass is about to
    /// read. It gives exactly the values an eager refresh of the whole rows would (counts and totals only change
    /// here), but a segment's frequent words (and NULL) have rows spanning most of the target vocabulary: refreshing
    /// them eagerly after every re-estimation made an update cost ∝ the corpus rather than ∝ the new data.
    private func refreshRows(_ rows: [Int32]) {
        let alpha = options.alpha
        let rowPairs = self.rowPairs
        counts.withUnsafeBufferPointer { countBuffer in
            rowTotals.withUnsafeMutableBufferPointer { totalBuffer in
                rowDigammas.withUnsafeMutableBufferPointer { digammaBuffer in
                    guard let c = countBuffer.baseAddress, let tot = totalBuffer.baseAddress,
                        let dg = digammaBuffer.baseAddress
                    else { return }
                    let counts = SendablePointer(base: UnsafeMutablePointer(mutating: c)),
                        totals = SendablePointer(base: tot)
                    let digammas = SendablePointer(base: dg)
                    DeterministicParallel.forEachChunk(count: rows.count, threads: options.threads) { _, range, _ in
                        for k in range {
                            let e = Int(rows[k])
                            rowPairs[e].withUnsafeBufferPointer { row in
                                var total = 0.0
                                for p in row { total += counts.base[Int(p)] + alpha }
                                totals.base[e] = total
                                digammas.base[e] = fastAlignDigamma(total == 0 ? 1 : total)
                            }
                        }
                    }
                }
            }
        }
    }

    /// t(f|e) for the given pairs from the current counts and row totals (see `refreshRows`).
    func refreshProbabilities(of pairList: [Int32]) {
        let alpha = options.alpha
        let conditioning = pairs.conditioning
        counts.withUnsafeBufferPointer { countBuffer in
            rowDigammas.withUnsafeBufferPointer { digammaBuffer in
                probabilities.withUnsafeMutableBufferPointer { probabilityBuffer in
                    guard let c = countBuffer.baseAddress, let dg = digammaBuffer.baseAddress,
                        let pr = probabilityBuffer.baseAddress
                    else { return }
                    let counts = SendablePointer(base: UnsafeMutablePointer(mutating: c)),
                        digammas = SendablePointer(base: UnsafeMutablePointer(mutating: dg))
                    let probabilities = SendablePointer(base: pr)
                    DeterministicParallel.forEachChunk(count: pairList.count, threads: options.threads) { _, range, _ in
                        for k in range {
                            let p = Int(pairList[k])
                            probabilities.base[p] = exp(
                                fastAlignDigamma(counts.base[p] + alpha) - digammas.base[Int(conditioning[p])])
                        }
                    }
                }
            }
        }
    }

    /// t(f|e) for every pair (before the whole table is read).
    func refreshAllProbabilities() {
        refreshProbabilities(of: (0..<Int32(pairs.count)).map { $0 })
    }

    /// fast_align's λ fit is a truncated gradient procedure (3 rounds of 8 steps with `-I 5`), not converged: more
    /// rounds drive λ higher (measured on grc-eng: 6.9/14.0 instead of 5.6/12.6 after 30 rounds), which costs AER.
    /// The incremental aligner therefore makes the same number of rounds as a batch run, on the first data it sees,
    /// and then keeps λ (stored in the state).
    static let tensionRounds = 3

    private func updateTension() {
        guard options.optimizeTension, targetTokens > 0, tensionRoundsDone < Self.tensionRounds else { return }
        tensionRoundsDone += 1
        let empirical = featureTotal / Double(targetTokens)
        let sizes = sizeCounts.sorted { $0.key < $1.key }
        for _ in 0..<8 {
            var model = 0.0
            for (key, count) in sizes {
                let m = key >> 32, n = key & 0xFFFF_FFFF
                for jj in 1...m { model += Double(count) * DiagonalPrior.dLogZ(jj, m, n, tension) }
            }
            model /= Double(targetTokens)
            tension = min(14, max(0.1, tension + (empirical - model) * 20))
        }
    }

    struct Stats {
        var pairs: [Int32] = []
        var counts: [Double] = []
        var feature = 0.0
    }

    /// E-step over one batch: deterministic fixed-point sums per worker, returned sparse over the batch's support.
    private func expectation(_ b: Batch, uniform: Bool) -> Stats {
        let workers = max(1, min(options.threads, DeterministicParallel.chunkCount(b.count)))
        while scratch.count < workers { scratch.append([]) }
        for w in 0..<workers where scratch[w].count < pairs.count {
            scratch[w].append(contentsOf: repeatElement(0, count: pairs.count - scratch[w].count))
        }
        let ptrs = (0..<workers).map { w in
            scratch[w].withUnsafeMutableBufferPointer { SendablePointer(base: $0.baseAddress!) }
        }
        var features = [Double](repeating: 0, count: DeterministicParallel.chunkCount(b.count))
        let lambda = tension, p0 = options.p0
        diagonalTerms.prepare(for: b, lambda: lambda, p0: p0)
        let shapes = diagonalTerms.terms
        probabilities.withUnsafeBufferPointer { t in
            b.cache.withUnsafeBufferPointer { cache in
                features.withUnsafeMutableBufferPointer { fp in
                    let out = SendablePointer(base: fp.baseAddress!)
                    let tp = SendablePointer(base: UnsafeMutablePointer(mutating: t.baseAddress!))
                    let cp = SendablePointer(
                        base: UnsafeMutablePointer(mutating: cache.baseAddress ?? UnsafePointer(bitPattern: 8)!))
                    DeterministicParallel.forEachChunk(count: b.count, threads: workers) { w, range, chunk in
                        let counts = ptrs[w].base
                        var feature = 0.0
                        var probs = [Double](repeating: 0, count: 64)
                        for k in range {
                            let n = b.sourceStarts[k + 1] - b.sourceStarts[k],
                                m = b.targetStarts[k + 1] - b.targetStarts[k]
                            guard n > 0, m > 0 else { continue }
                            if probs.count < n + 1 { probs = [Double](repeating: 0, count: n + 1) }
                            let shape = shapes[DiagonalTermsCache.key(m: m, n: n)] ?? []
                            probs.withUnsafeMutableBufferPointer { pb in
                                shape.withUnsafeBufferPointer { terms in
                                    let p = pb.baseAddress!
                                    for j in 0..<m {
                                        let idx = cp.base + b.cacheStarts[k] + j * (n + 1)
                                        let sum =
                                            terms.count == 2 * m + 1
                                            ? FastAlignKernel.fillDiagonal(
                                                j: j, m: m, n: n, idx: idx, t: tp.base, initialized: !uniform, p0: p0,
                                                lambda: lambda, az: terms[2 * j], first: terms[2 * j + 1],
                                                step: terms[2 * m], probs: p)
                                            : FastAlignKernel.fill(
                                                j: j, m: m, n: n, idx: idx, t: tp.base, initialized: !uniform,
                                                favorDiagonal: true, p0: p0, lambda: lambda, probs: p)
                                        let inv = 1 / sum
                                        counts[Int(idx[0])] &+= FixedPointCounts.encode(p[0] * inv)
                                        for i in 1...n {
                                            let q = p[i] * inv
                                            counts[Int(idx[i])] &+= FixedPointCounts.encode(q)
                                            feature += DiagonalPrior.feature(j, i, m, n) * q // fast_align's j (not j+1)
                                        }
                                    }
                                }
                            }
                        }
                        out.base[chunk] = feature
                    }
                }
            }
        }
        var stats = Stats()
        stats.pairs = b.support
        stats.counts = b.support.map { p in
            var sum: Int64 = 0
            for w in 0..<workers {
                sum &+= scratch[w][Int(p)]
                scratch[w][Int(p)] = 0
            }
            return FixedPointCounts.decode(sum)
        }
        stats.feature = features.reduce(0, +)
        return stats
    }

    /// Viterbi links of batch `index` (conditioning side = `source`), as (source position, target position).
    func viterbi(_ index: Int) -> [[(Int, Int)]] {
        let b = batches[index]
        refreshProbabilities(of: b.support)
        var out: [[(Int, Int)]] = []
        var probs = [Double](repeating: 0, count: 64)
        probabilities.withUnsafeBufferPointer { t in
            b.cache.withUnsafeBufferPointer { cache in
                for k in 0..<b.count {
                    let n = b.sourceStarts[k + 1] - b.sourceStarts[k], m = b.targetStarts[k + 1] - b.targetStarts[k]
                    var links: [(Int, Int)] = []
                    if n > 0, m > 0 {
                        if probs.count < n + 1 { probs = [Double](repeating: 0, count: n + 1) }
                        probs.withUnsafeMutableBufferPointer { pb in
                            let p = pb.baseAddress!
                            for j in 0..<m {
                                _ = FastAlignKernel.fill(
                                    j: j, m: m, n: n, idx: cache.baseAddress! + b.cacheStarts[k] + j * (n + 1),
                                    t: t.baseAddress!,
                                    initialized: true, favorDiagonal: true, p0: options.p0, lambda: tension, probs: p)
                                var best = 0
                                for i in 1...n where p[i] > p[best] { best = i }
                                if best > 0 { links.append((best - 1, j)) }
                            }
                        }
                    }
                    out.append(links)
                }
            }
        }
        return out
    }
}
