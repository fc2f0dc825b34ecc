import COpenBLAS
import Foundation

/// The dense building blocks of the forward pass. Matrices are row-major; a weight is `[out, in]` as in PyTorch.
enum Kernels {
    /// `y[rows, out] = x[rows, in] · Wᵀ` (`accumulate`: `y += …`). One row goes through sgemv (decode), more
    /// through sgemm (prefill).
    static func linear(
        _ w: UnsafePointer<Float>, out: Int, in inDim: Int,
        x: UnsafePointer<Float>, rows: Int, y: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        let beta: Float = accumulate ? 1 : 0
        if rows == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(out), Int32(inDim), 1, w, Int32(inDim), x, 1, beta, y, 1)
        } else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(out), Int32(inDim),
                1, x, Int32(inDim), w, Int32(inDim), beta, y, Int32(out))
        }
    }

    /// Adds `bias[out]` to every row of `y[rows, out]`.
    static func addBias(_ bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, out: Int) {
        for r in 0..<rows {
            let row = y + r * out
            for i in 0..<out { row[i] += bias[i] }
        }
    }

    /// RMSNorm of each row of `x[rows, dim]` into `y`, times `weight`.
    static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, rows: Int, dim: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let src = x + r * dim, dst = y + r * dim
            var sum: Float = 0
            for i in 0..<dim { sum += src[i] * src[i] }
            let scale = 1 / (sum / Float(dim) + eps).squareRoot()
            for i in 0..<dim { dst[i] = weight[i] * (src[i] * scale) }
        }
    }

    /// `gate[i] = silu(gate[i]) * up[i]` over `count` values (SwiGLU).
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// `gate[i] = gelu_tanh(gate[i]) * up[i]` over `count` values (GeGLU with PyTorch's tanh-approximated GELU:
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`).
    static func geGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let k: Float = 0.7978845608028654 // √(2/π)
        for i in 0..<count {
            let x = gate[i]
            gate[i] = 0.5 * x * (1 + tanhf(k * (x + 0.044715 * x * x * x))) * up[i]
        }
    }

    /// In-place softmax of `x[0..<count]`; returns nothing, values sum to 1.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count where x[i] > m { m = x[i] }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - m)
            x[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<count { x[i] *= inv }
    }

    /// `log Σ exp(x)` computed stably, in Double.
    static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var m = -Float.infinity
        for i in 0..<count where x[i] > m { m = x[i] }
        var sum: Double = 0
        for i in 0..<count { sum += Double(expf(x[i] - m)) }
        return Double(m) + log(sum)
    }
}
