import COpenBLAS
import Dispatch

/// `E_tgt = W · E_src` for a sparse W given by a `TokenMapping` (§1.8, §8 lines 11–12). Float32 accumulation;
/// the caller casts once to the model's dtype when writing. For untied models call it again with the LM head and
/// the same mapping (pitfall 16); tied models only remap the embedding.
public struct EmbeddingRemapper: Sendable {
    public enum Kernel: String, Sendable, CaseIterable {
        /// One `cblas_saxpy` per nonzero, in ascending weight order (the reference's summation order).
        case saxpy
        /// Blocks of target rows: gather the union of their source rows, one `cblas_sgemm` per block.
        case gatherGemm
    }

    public var kernel: Kernel
    /// Parallel chunks of target rows (each kernel call is single-threaded work inside OpenBLAS for these sizes).
    public var parallelism: Int

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
    public func remapRows(_ targetIDs: [Int], of source: EmbeddingMatrix, mapping: TokenMapping, into output: inout EmbeddingMatrix) throws(TransferError) {
        guard output.columns == source.columns, output.rows == mapping.targetVocabularySize else {
            throw .shapeMismatch("output \(output.rows) × \(output.columns), mapping \(mapping.targetVocabularySize), source columns \(source.columns)")
        }
        guard mapping.sourceVocabularySize <= source.rows else {
            throw .shapeMismatch("mapping expects \(mapping.sourceVocabularySize) source rows, matrix has \(source.rows)")
        }
        for t in targetIDs {
            guard t >= 0, t < mapping.targetVocabularySize else { throw .shapeMismatch("target id \(t) out of range") }
            for s in mapping.rows[t].sources where s < 0 || s >= source.rows {
                throw .sourceIDOutOfRange(targetID: t, sourceID: s, sourceRows: source.rows)
            }
        }
        let mean = targetIDs.contains { mapping.rows[$0].origin == .sourceMean } ? Self.meanRow(source) : []
        let d = source.columns
        let chunks = Self.chunks(targetIDs, parallelism)
        let kernel = self.kernel
        source.values.withUnsafeBufferPointer { src in
            output.values.withUnsafeMutableBufferPointer { dst in
                let dstBase = UncheckedSendable(dst.baseAddress)
                let srcBase = UncheckedSendable(src.baseAddress)
                DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                    guard let dst = dstBase.value, let src = srcBase.value else { return }
                    switch kernel {
                    case .saxpy: Self.saxpyRows(chunks[c], mapping, src, dst, d, mean)
                    case .gatherGemm: Self.gemmRows(chunks[c], mapping, src, dst, d, mean)
                    }
                }
            }
        }
    }

    private static func saxpyRows(_ ids: ArraySlice<Int>, _ mapping: TokenMapping, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ d: Int, _ mean: [Float]) {
        for t in ids {
            let row = mapping.rows[t]
            let out = dst + t * d
            if row.origin == .sourceMean {
                mean.withUnsafeBufferPointer { m in if let m = m.baseAddress { out.update(from: m, count: d) } }
                continue
            }
            out.update(repeating: 0, count: d)
            for (s, w) in zip(row.sources, row.weights) {
                cblas_saxpy(Int32(d), w, src + s * d, 1, out, 1)
            }
        }
    }

    /// Blocks of 64 target rows: W_block (64 × |U|) · gather(E_src, U) (|U| × d).
    private static func gemmRows(_ ids: ArraySlice<Int>, _ mapping: TokenMapping, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ d: Int, _ mean: [Float]) {
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
                for s in mapping.rows[t].sources where column[s] == nil { column[s] = union.count; union.append(s) }
            }
            let b = targets.count, u = union.count
            if u > 0 {
                gathered.removeAll(keepingCapacity: true)
                gathered.reserveCapacity(u * d)
                for s in union { gathered.append(contentsOf: UnsafeBufferPointer(start: src + s * d, count: d)) }
                weights = Array(repeating: 0, count: b * u)
                for (i, t) in targets.enumerated() {
                    for (s, w) in zip(mapping.rows[t].sources, mapping.rows[t].weights) { weights[i * u + (column[s] ?? 0)] += w }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(b), Int32(d), Int32(u), 1,
                            weights, Int32(u), gathered, Int32(d), 0, &result, Int32(d))
            }
            for (i, t) in targets.enumerated() {
                let out = dst + t * d
                if mapping.rows[t].origin == .sourceMean {
                    mean.withUnsafeBufferPointer { m in if let m = m.baseAddress { out.update(from: m, count: d) } }
                } else {
                    result.withUnsafeBufferPointer { r in if let r = r.baseAddress { out.update(from: r + i * d, count: d) } }
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
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m.rows), Int32(m.columns), 1, m.values, Int32(m.columns), scale, 1, 0, &out, 1)
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
