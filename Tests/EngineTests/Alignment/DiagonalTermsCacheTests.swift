import Testing

@testable import Engine

/// The incremental aligner's cached diagonal-prior terms give exactly what the kernel computes per token.
@Suite struct DiagonalTermsCacheTests {
    @Test func cachedTermsFillExactlyAsTheKernel() {
        let t = (0..<64).map { 0.001 + Double($0 % 7) / 10 }
        let idx = (0..<64).map { Int32($0) }
        var batch = IncrementalDirection.Batch(
            id: 1, sourceIDs: [], sourceStarts: [0], targetIDs: [], targetStarts: [0])
        let shapes = [(1, 1), (3, 17), (17, 3), (40, 41), (9, 9)]
        for (m, n) in shapes {
            batch.sourceIDs += Array(repeating: 1, count: n)
            batch.targetIDs += Array(repeating: 1, count: m)
            batch.sourceStarts.append(batch.sourceIDs.count)
            batch.targetStarts.append(batch.targetIDs.count)
        }
        for lambda in [0.1, 4.0, 11.3] {
            var cache = DiagonalTermsCache()
            cache.prepare(for: batch, lambda: lambda, p0: 0.08)
            for (m, n) in shapes {
                let terms = cache.terms[DiagonalTermsCache.key(m: m, n: n)] ?? []
                #expect(terms.count == 2 * m + 1)
                guard terms.count == 2 * m + 1 else { continue }
                for j in 0..<m {
                    var a = [Double](repeating: 0, count: n + 1), b = a
                    let sumA = idx.withUnsafeBufferPointer { i in
                        t.withUnsafeBufferPointer { tp in
                            a.withUnsafeMutableBufferPointer { p in
                                FastAlignKernel.fill(
                                    j: j, m: m, n: n, idx: i.baseAddress!, t: tp.baseAddress!, initialized: true,
                                    favorDiagonal: true, p0: 0.08, lambda: lambda, probs: p.baseAddress!)
                            }
                        }
                    }
                    let sumB = idx.withUnsafeBufferPointer { i in
                        t.withUnsafeBufferPointer { tp in
                            b.withUnsafeMutableBufferPointer { p in
                                FastAlignKernel.fillDiagonal(
                                    j: j, m: m, n: n, idx: i.baseAddress!, t: tp.baseAddress!, initialized: true,
                                    p0: 0.08,
                                    lambda: lambda, az: terms[2 * j], first: terms[2 * j + 1], step: terms[2 * m],
                                    probs: p.baseAddress!)
                            }
                        }
                    }
                    #expect(
                        sumA.bitPattern == sumB.bitPattern && a.map(\.bitPattern) == b.map(\.bitPattern),
                        "m \(m) n \(n) j \(j) λ \(lambda)")
                }
            }
        }
    }
}
