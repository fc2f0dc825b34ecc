import COpenBLAS
import Foundation

/// Causal grouped-query attention of `rows` new queries (positions `start..<start+rows`) over all cached keys.
enum Attention {
    /// `window`: a query attends only to the last `window` positions (itself included), nil for the whole prefix.
    /// Scores are `scale · q·k` (default `headDim^-0.5`), soft-capped to `cap·tanh(score/cap)` when `softCap` is set
    /// (Gemma 2), then masked and softmaxed.
    static func run(
        config c: DecoderConfig, queries q: UnsafePointer<Float>, rows n: Int, start: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, window: Int?
    ) {
        let d = c.headDim, total = start + n
        let group = c.headCount / c.kvHeadCount
        let scale = c.attentionScale ?? 1 / Float(d).squareRoot()
        for head in 0..<c.headCount {
            let kvHead = head / group
            // scores[n, total] = scale · Q_h · K_hᵀ
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(total), Int32(d),
                scale, q + head * d, Int32(c.queryDim), keys + kvHead * d, Int32(c.kvDim),
                0, scores, Int32(total))
            for r in 0..<n {
                let position = start + r
                let lowest = window.map { max(0, position - $0 + 1) } ?? 0
                let row = scores + r * total
                if let cap = c.attentionSoftCap {
                    for j in lowest...position { row[j] = tanhf(row[j] / cap) * cap }
                }
                for j in 0..<lowest { row[j] = 0 }
                Kernels.softmax(row + lowest, count: position + 1 - lowest)
                for j in (position + 1)..<total { row[j] = 0 }
            }
            // out_h[n, d] = P · V_h
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(d), Int32(total),
                1, scores, Int32(total), values + kvHead * d, Int32(c.kvDim),
                0, out + head * d, Int32(c.queryDim))
        }
    }
}
