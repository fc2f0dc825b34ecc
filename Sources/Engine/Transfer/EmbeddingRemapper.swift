import COpenBLAS
import Dispatch

/// `E_tgt = W · E_src` for a sparse W given by a `TokenMapping` (§1.8, §8 lines 11–12). Float32 accumulation;
/// the caller casts once to the model's dtype when writing. For untied models call it again with the LM head and
/// the same mapping (pitfall 16); tied models only remap the embedding.
public struct EmbeddingRemapper: Sendable {
    public enum Kernel: String, Sendable, CaseIterable {
        /// One axpy (`out += w · src_row`) per nonzero, in ascending weight order (the reference's summation order).
        /// The default: fastest of the three in `transtok-bench transfer` (sparse rows, ~11 nonzeros each, make a
        /// gathered GEMM do far more multiply-adds than the nonzeros need). The axpy is our own loop, not
        /// `cblas_saxpy`: each element is one multiply and one add whatever the vector length, so results do not
        /// depend on which OpenBLAS kernel the CPU (or `OPENBLAS_CORETYPE`) selects, nor on the column block.
        case saxpy
        /// Blocks of target rows: gather the union of their source rows, one `cblas_sgemm` per block.
        case gatherGemm
        /// `saxpy` on column blocks of 256: each pass touches a 32,000 × 256 slice of the source (32 MB), which
        /// stays in cache while every nonzero of that slice is applied, instead of streaming 16 KB rows at random
        /// from a table larger than the cache. Same summation order and the same per-element arithmetic as `.saxpy`
        /// (see `axpy`), so bit-identical results on every CPU.
        /// Measured slower than `.saxpy` on the 2-core dev VM (`transtok-bench transfer`), so not the default.
        case blockedSaxpy
    }

    public var kernel: Kernel
    /// Parallel chunks of target rows (each kernel call is single-threaded work inside OpenBLAS for these sizes).
    public var parallelism: Int

    /// Column block width of `.blockedSaxpy`.
    public var columnBlock = 256

    public init(kernel: Kernel = .saxpy, parallelism: Int = 2) {
        self.kernel = kernel
        self.parallelism = max(1, parallelism)
    }

    /// A new matrix with one row per target token.
    public func remap(_ source: EmbeddingMatrix, mapping: TokenMapping) throws(TransferError) -> EmbeddingMatrix {
        var out = EmbeddingMatrix(zeros: mapping.targetVocabularySize, columns: source.columns)
        try remapRows(Array(0..<mapping.targetVocabularySize), of: source, mapping: mapping, into: &out)
        return out
    }

    /// Recomputes only `targetIDs` of `output` (incremental refresh after counts changed for those tokens).
    public func remapRows(
        _ targetIDs: [Int], of source: EmbeddingMatrix, mapping: TokenMapping, into output: inout EmbeddingMatrix
    ) throws(TransferError) {
        guard output.columns == source.columns, output.rows == mapping.targetVocabularySize else {
            throw .shapeMismatch(
                "output \(output.rows) × \(output.columns), mapping \(mapping.targetVocabularySize), source columns \(source.columns)"
            )
        }
        guard mapping.sourceVocabularySize <= source.rows else {
            throw .shapeMismatch(
                "mapping expects \(mapping.sourceVocabularySize) source rows, matrix has \(source.rows)")
        }
        for t in targetIDs {
            guard t >= 0, t < mapping.targetVocabularySize else { throw .shapeMismatch("target id \(t) out of range") }
            for s in mapping.rows[t].sources where s < 0 || s >= source.rows {
                throw .sourceIDOutOfRange(targetID: t, sourceID: s, sourceRows: source.rows)
            }
        }
        let mean = targetIDs.contains { mapping.rows[$0].origin == .sourceMean } ? Self.meanRow(source) : []
        let d = source.columns
        let kernel = self.kernel
        let block = max(1, columnBlock)
        let chunks = kernel == .blockedSaxpy ? [] : Self.chunks(targetIDs, parallelism)
        let columnBlocks = stride(from: 0, to: d, by: block).map { $0..<min($0 + block, d) }
        source.values.withUnsafeBufferPointer { src in
            output.values.withUnsafeMutableBufferPointer { dst in
                let dstBase = UncheckedSendable(dst.baseAddress)
                let srcBase = UncheckedSendable(src.baseAddress)
                if kernel == .blockedSaxpy {
                    // Workers take whole column blocks: disjoint writes, each block's source slice cache-resident.
                    let perWorker = Self.chunks(Array(columnBlocks.indices), parallelism)
                    DispatchQueue.concurrentPerform(iterations: perWorker.count) { w in
                        guard let dst = dstBase.value, let src = srcBase.value else { return }
                        for b in perWorker[w] {
                            Self.saxpyRows(targetIDs[...], mapping, src, dst, d, mean, columns: columnBlocks[b])
                        }
                    }
                    return
                }
                DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                    guard let dst = dstBase.value, let src = srcBase.value else { return }
                    switch kernel {
                    case .saxpy, .blockedSaxpy: Self.saxpyRows(chunks[c], mapping, src, dst, d, mean, columns: 0..<d)
                    case .gatherGemm: Self.gemmRows(chunks[c], mapping, src, dst, d, mean)
                    }
                }
            }
        }
    }

    /// `dst[t, columns] = Σ w · src[s, columns]`, nonzeros in ascending weight order.
    private static func saxpyRows(
        _ ids: ArraySlice<Int>, _ mapping: TokenMapping, _ src: UnsafePointer<Float>,
        _ dst: UnsafeMutablePointer<Float>,
        _ d: Int, _ mean: [Float], columns: Range<Int>
    ) {
        let n = columns.count, c0 = columns.lowerBound
        for t in ids {
            let row = mapping.rows[t]
            let out = dst + t * d + c0
            if row.origin == .sourceMean {
                mean.withUnsafeBufferPointer { m in if let m = m.baseAddress { out.update(from: m + c0, count: n) } }
                continue
            }
            out.update(repeating: 0, count: n)
            for (s, w) in zip(row.sources, row.weights) {
                axpy(n, w, src + s * d + c0, out)
            }
        }
    }

    /// `y[i] += a · x[i]` for `i < n`, one rounded multiply then one rounded add per element. OpenBLAS's saxpy
    /// kernels differ by CPU and by length (fused multiply-add in the vector body, separate operations in the
    /// tail), so a row computed in column blocks and the same row computed whole could differ in the last bit;
    /// this loop (vectorised by the compiler, which does not fuse) gives the same bits for any length and split.
    @inline(__always)
    static func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { y[i] = y[i] + a * x[i] }
    }

    /// Blocks of 64 target rows: W_block (64 × |U|) · gather(E_src, U) (|U| × d).
    private static func gemmRows(
        _ ids: ArraySlice<Int>, _ mapping: TokenMapping, _ src: UnsafePointer<Float>,
        _ dst: UnsafeMutablePointer<Float>, _ d: Int, _ mean: [Float]
    ) {
        let block = 64
        var start = ids.startIndex
        var gathered: [Float] = []
        var weights: [Float] = []
        var result: [Float] = Array(repeating: 0, count: block * d)
        while start < ids.endIndex {
            let end = min(start + block, ids.endIndex)
            let targets = ids[start..<end]
            var column: [Int: Int] = [:]
            var union: [Int] = []
            for t in targets where mapping.rows[t].origin != .sourceMean {
                for s in mapping.rows[t].sources where column[s] == nil {
                    column[s] = union.count
                    union.append(s)
                }
            }
            let b = targets.count, u = union.count
            if u > 0 {
                gathered.removeAll(keepingCapacity: true)
                gathered.reserveCapacity(u * d)
                for s in union { gathered.append(contentsOf: UnsafeBufferPointer(start: src + s * d, count: d)) }
                weights = Array(repeating: 0, count: b * u)
                for (i, t) in targets.enumerated() {
                    for (s, w) in zip(mapping.rows[t].sources, mapping.rows[t].weights) {
                        weights[i * u + (column[s] ?? 0)] += w
                    }
                }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(b), Int32(d), Int32(u), 1,
                    weights, Int32(u), gathered, Int32(d), 0, &result, Int32(d))
            }
            for (i, t) in targets.enumerated() {
                let out = dst + t * d
                if mapping.rows[t].origin == .sourceMean {
                    mean.withUnsafeBufferPointer { m in if let m = m.baseAddress { out.update(from: m, count: d) } }
                } else {
                    result.withUnsafeBufferPointer { r in
                        if let r = r.baseAddress { out.update(from: r + i * d, count: d) }
                    }
                }
            }
            start = end
        }
    }

    /// Mean of all rows (`sgemv` with a 1/V vector).
    public static func meanRow(_ m: EmbeddingMatrix) -> [Float] {
        guard m.rows > 0 else { return Array(repeating: 0, count: m.columns) }
        var out = [Float](repeating: 0, count: m.columns)
        let scale = [Float](repeating: 1 / Float(m.rows), count: m.rows)
        cblas_sgemv(
            CblasRowMajor, CblasTrans, Int32(m.rows), Int32(m.columns), 1, m.values, Int32(m.columns), scale, 1, 0,
            &out, 1)
        return out
    }

    static func chunks(_ ids: [Int], _ parts: Int) -> [ArraySlice<Int>] {
        guard !ids.isEmpty else { return [] }
        let n = min(parts, ids.count)
        let size = (ids.count + n - 1) / n
        return stride(from: 0, to: ids.count, by: size).map { ids[$0..<min($0 + size, ids.count)] }
    }
}

/// A pointer handed to `concurrentPerform` workers that write disjoint rows.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
