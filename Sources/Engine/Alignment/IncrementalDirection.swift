import Foundation

/// Settings of the incremental aligner (fast_align's reparameterised IBM 2 with `-d -o -v` semantics).
public struct IncrementalOptions: Sendable, Equatable {
    public var alpha: Double = 0.01
    public var p0: Double = 0.08
    public var initialTension: Double = 4
    public var optimizeTension = true
    /// EM passes over each newly added batch (the first is prior-driven, like fast_align's first pass).
    public var localIterations = 4
    /// Old batches whose statistics are re-estimated after each addition (least recently refreshed first).
    public var refreshBatches = 2
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
    var rowPairs: [[Int32]] = []
    var tension: Double
    var sizeCounts: [Int: Int] = [:]
    var targetTokens = 0
    var featureTotal = 0.0
    var batches: [Batch] = []
    var clock = 0

    init(options: IncrementalOptions) {
        self.options = options
        self.tension = options.initialTension
    }

    // MARK: adding and retracting

    func add(id: Int, sentences: [(source: [String], target: [String])]) {
        var b = Batch(id: id, sourceIDs: [], sourceStarts: [0], targetIDs: [], targetStarts: [0])
        for (s, t) in sentences {
            for w in s { b.sourceIDs.append(source.intern(w)) }
            for w in t { b.targetIDs.append(target.intern(w)) }
            b.sourceStarts.append(b.sourceIDs.count)
            b.targetStarts.append(b.targetIDs.count)
        }
        while rowTotals.count < source.count {
            rowTotals.append(0)
            rowPairs.append([])
        }
        for k in 0..<b.count {
            let n = b.sourceStarts[k + 1] - b.sourceStarts[k], m = b.targetStarts[k + 1] - b.targetStarts[k]
            guard n > 0, m > 0 else { continue }
            sizeCounts[m << 32 | n, default: 0] += 1
            targetTokens += m
            for f in b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]] {
                insertPair(0, f)
                for e in b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]] { insertPair(e, f) }
            }
        }
        batches.append(b)
        let index = batches.count - 1
        // As fast_align: λ is re-fitted after every pass from the second on.
        for pass in 0..<max(1, options.localIterations) {
            reestimate(index, uniform: pass == 0)
            if pass > 0 { updateTension() }
        }
        // Bounded refresh of the least recently re-estimated old batches.
        let old = batches.indices.filter { $0 != index }.sorted { (batches[$0].refreshedAt, $0) < (batches[$1].refreshedAt, $1) }
        for i in old.prefix(options.refreshBatches) { reestimate(i, uniform: false) }
        updateTension()
    }

    /// Removes a batch and subtracts the statistics it contributed. Returns false when no such batch.
    func retract(id: Int) -> Bool {
        guard let index = batches.firstIndex(where: { $0.id == id }) else { return false }
        let b = batches[index]
        var touched = Set<Int32>()
        for (p, c) in zip(b.statPairs, b.statCounts) {
            counts[Int(p)] -= c
            if counts[Int(p)] < 0 { counts[Int(p)] = 0 }  // rounding only; statistics were added exactly
            touched.insert(pairs.conditioning[Int(p)])
        }
        featureTotal -= b.feature
        for k in 0..<b.count {
            let n = b.sourceStarts[k + 1] - b.sourceStarts[k], m = b.targetStarts[k + 1] - b.targetStarts[k]
            guard n > 0, m > 0 else { continue }
            let key = m << 32 | n
            sizeCounts[key]! -= 1
            if sizeCounts[key] == 0 { sizeCounts[key] = nil }
            targetTokens -= m
        }
        batches.remove(at: index)
        refreshRows(touched)
        updateTension()
        return true
    }

    private func insertPair(_ e: Int32, _ f: Int32) {
        let before = pairs.count
        let p = pairs.insert(e, f)
        if pairs.count > before {
            counts.append(0)
            probabilities.append(0)
            rowPairs[Int(e)].append(p)
        }
    }

    // MARK: EM

    /// Replaces batch `index`'s statistics with a fresh E-step under the current parameters (or under a uniform
    /// lexical table, as fast_align's first pass), then refreshes t for the rows involved.
    func reestimate(_ index: Int, uniform: Bool) {
        let b = batches[index]
        var fresh = expectation(b, uniform: uniform)
        var touched = Set<Int32>()
        for (p, c) in zip(b.statPairs, b.statCounts) {
            counts[Int(p)] -= c
            touched.insert(pairs.conditioning[Int(p)])
        }
        for (p, c) in zip(fresh.pairs, fresh.counts) {
            counts[Int(p)] += c
            if counts[Int(p)] < 0 { counts[Int(p)] = 0 }
            touched.insert(pairs.conditioning[Int(p)])
        }
        featureTotal += fresh.feature - b.feature
        clock += 1
        batches[index].statPairs = fresh.pairs
        batches[index].statCounts = fresh.counts
        batches[index].feature = fresh.feature
        batches[index].refreshedAt = clock
        fresh = Stats()
        refreshRows(touched)
    }

    /// VB M-step for the given rows only (fast_align `NormalizeVB`, same digamma).
    private func refreshRows(_ rows: Set<Int32>) {
        for e in rows.sorted() {
            var total = 0.0
            for p in rowPairs[Int(e)] { total += counts[Int(p)] + options.alpha }
            rowTotals[Int(e)] = total
            let dt = fastAlignDigamma(total == 0 ? 1 : total)
            for p in rowPairs[Int(e)] { probabilities[Int(p)] = exp(fastAlignDigamma(counts[Int(p)] + options.alpha) - dt) }
        }
    }

    private func updateTension() {
        guard options.optimizeTension, targetTokens > 0 else { return }
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

    /// E-step over one batch: deterministic fixed-point sums per worker, returned sparse in pair order.
    private func expectation(_ b: Batch, uniform: Bool) -> Stats {
        let workers = max(1, min(options.threads, DeterministicParallel.chunkCount(b.count)))
        var scratch = [[Int64]](repeating: [Int64](repeating: 0, count: pairs.count), count: workers)
        let ptrs = scratch.indices.map { w in scratch[w].withUnsafeMutableBufferPointer { SendablePointer(base: $0.baseAddress!) } }
        var features = [Double](repeating: 0, count: DeterministicParallel.chunkCount(b.count))
        features.withUnsafeMutableBufferPointer { fp in
            let out = SendablePointer(base: fp.baseAddress!)
            DeterministicParallel.forEachChunk(count: b.count, threads: workers) { w, range, chunk in
                out.base[chunk] = self.expectation(b, range, uniform: uniform, counts: ptrs[w].base)
            }
        }
        var touched = Set<Int32>()
        for k in 0..<b.count {
            let s = b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]]
            guard !s.isEmpty else { continue }
            for f in b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]] {
                touched.insert(pairs.index(0, f))
                for e in s { touched.insert(pairs.index(e, f)) }
            }
        }
        var stats = Stats()
        stats.pairs = touched.sorted()
        stats.counts = stats.pairs.map { p in
            var sum: Int64 = 0
            for w in 0..<workers { sum &+= scratch[w][Int(p)] }
            return FixedPointCounts.decode(sum)
        }
        stats.feature = features.reduce(0, +)
        return stats
    }

    private func expectation(_ b: Batch, _ range: Range<Int>, uniform: Bool, counts out: UnsafeMutablePointer<Int64>) -> Double {
        var feature = 0.0
        var probs = [Double](), index = [Int32]()
        for k in range {
            let src = b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]], trg = b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]]
            let n = src.count, m = trg.count
            guard n > 0, m > 0 else { continue }
            for (j, f) in trg.enumerated() {
                let sum = fill(j: j, f: f, src: src, m: m, uniform: uniform, probs: &probs, index: &index)
                out[Int(index[0])] &+= FixedPointCounts.encode(probs[0] / sum)
                for i in 1...n {
                    let p = probs[i] / sum
                    out[Int(index[i])] &+= FixedPointCounts.encode(p)
                    feature += DiagonalPrior.feature(j, i, m, n) * p  // fast_align's j (not j+1)
                }
            }
        }
        return feature
    }

    @inline(__always)
    private func fill(j: Int, f: Int32, src: ArraySlice<Int32>, m: Int, uniform: Bool, probs: inout [Double], index: inout [Int32]) -> Double {
        let n = src.count
        if probs.count < n + 1 {
            probs = [Double](repeating: 0, count: n + 1)
            index = [Int32](repeating: 0, count: n + 1)
        }
        let az = DiagonalPrior.z(j + 1, m, n, tension) / (1 - options.p0)
        index[0] = pairs.index(0, f)
        probs[0] = (uniform ? 1e-9 : probabilities[Int(index[0])]) * options.p0
        var sum = probs[0]
        var i = 1
        for e in src {
            index[i] = pairs.index(e, f)
            probs[i] = (uniform ? 1e-9 : probabilities[Int(index[i])]) * DiagonalPrior.unnormalized(j + 1, i, m, n, tension) / az
            sum += probs[i]
            i += 1
        }
        return sum
    }

    /// Viterbi links of batch `index` (conditioning side = `source`), as (source position, target position).
    func viterbi(_ index: Int) -> [[(Int, Int)]] {
        let b = batches[index]
        var out: [[(Int, Int)]] = []
        var probs = [Double](), idx = [Int32]()
        for k in 0..<b.count {
            let src = b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]], trg = b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]]
            var links: [(Int, Int)] = []
            if !src.isEmpty {
                for (j, f) in trg.enumerated() {
                    _ = fill(j: j, f: f, src: src, m: trg.count, uniform: false, probs: &probs, index: &idx)
                    var best = 0
                    for i in 1...src.count where probs[i] > probs[best] { best = i }
                    if best > 0 { links.append((best - 1, j)) }
                }
            }
            out.append(links)
        }
        return out
    }
}
