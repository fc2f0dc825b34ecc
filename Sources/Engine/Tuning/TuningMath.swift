import COpenBLAS
import Foundation

/// Dense kernels of the training pass, forward and backward. Matrices are row-major; a weight is `[out, in]` as in
/// PyTorch. Kept separate from the runtime's `Kernels` so the two evolve independently.
enum TuningMath {
    /// `C[m, n] = alpha · op(A) · op(B) + beta · C` (OpenBLAS sgemm, all cores).
    @inline(__always)
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y[rows, out] (+)= x[rows, in] · Wᵀ`.
    static func linear(
        _ w: UnsafePointer<Float>, out: Int, in inDim: Int, x: UnsafePointer<Float>, rows: Int,
        y: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        gemm(
            transB: true, m: rows, n: out, k: inDim, a: x, lda: inDim, b: w, ldb: inDim,
            beta: accumulate ? 1 : 0, c: y, ldc: out)
    }

    /// The input gradient of `linear`: `dx[rows, in] (+)= dy[rows, out] · W`.
    static func linearBackward(
        _ w: UnsafePointer<Float>, out: Int, in inDim: Int, dy: UnsafePointer<Float>, rows: Int,
        dx: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        gemm(m: rows, n: inDim, k: out, a: dy, lda: out, b: w, ldb: inDim, beta: accumulate ? 1 : 0, c: dx, ldc: inDim)
    }

    static func addBias(_ bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, out: Int) {
        for r in 0..<rows {
            let row = y + r * out
            for i in 0..<out { row[i] += bias[i] }
        }
    }

    /// `y = weight ⊙ x / rms(x)` per row (RMSNorm as in Llama: `x · (mean(x²) + eps)^-½ · w`).
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

    /// Adds the input gradient of `rmsNorm` to `dx`: with `s = (mean(x²)+eps)^-½` and `g = dy ⊙ w`,
    /// `dx += s·g − s³·x·(g·x)/dim`.
    static func rmsNormBackward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, rows: Int, dim: Int,
        dy: UnsafePointer<Float>, addInto dx: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let xr = x + r * dim, gr = dy + r * dim, out = dx + r * dim
            var sum: Float = 0, dot: Float = 0
            for i in 0..<dim {
                sum += xr[i] * xr[i]
                dot += gr[i] * weight[i] * xr[i]
            }
            let s = 1 / (sum / Float(dim) + eps).squareRoot()
            let k = s * s * s * dot / Float(dim)
            for i in 0..<dim { out[i] += s * gr[i] * weight[i] - k * xr[i] }
        }
    }

    /// `out[i] = silu(gate[i]) · up[i]`.
    static func swiGLU(
        gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, out: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// Backward of `swiGLU` in place: on entry `gate`/`up` hold the forward inputs and `ds` the output gradient; on
    /// exit `gate` holds d gate and `up` holds d up.
    static func swiGLUBackward(
        gate: UnsafeMutablePointer<Float>, up: UnsafeMutablePointer<Float>, ds: UnsafePointer<Float>,
        count: Int
    ) {
        for i in 0..<count {
            let g = gate[i], u = up[i], d = ds[i]
            let sig = 1 / (1 + expf(-g))
            let silu = g * sig
            gate[i] = d * u * sig * (1 + g * (1 - sig))
            up[i] = d * silu
        }
    }

    /// Rotates `heads` consecutive head vectors by the transpose of the rotary rotation (the RoPE backward):
    /// `rotate_half` layout, dimension `i` pairs with `i + d/2`.
    static func rotateBackward(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int,
        cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>
    ) {
        let half = headDim / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let a = v[i], b = v[i + half]
                v[i] = a * c[i] + b * s[i]
                v[i + half] = b * c[i] - a * s[i]
            }
        }
    }

    /// Runs `body(chunk)` over `count` items split into about `ProcessInfo.activeProcessorCount` chunks, in
    /// parallel. Callers write only memory that belongs to their chunk (rows of a matrix), which is what makes
    /// handing the non-Sendable closure to the workers safe.
    static func parallelChunks(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / max(1, minimumChunk)))
        if workers <= 1 {
            body(0..<count)
            return
        }
        let size = (count + workers - 1) / workers
        withoutActuallyEscaping(body) { body in
            let shared = DisjointWrites(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * size, hi = min(count, lo + size)
                if lo < hi { shared.body(lo..<hi) }
            }
        }
    }

    /// `cblas_sdot(x, x)` in Double: the squared L2 norm of `count` floats.
    static func squaredNorm(_ x: UnsafePointer<Float>, count: Int) -> Double {
        Double(cblas_dsdot(Int32(count), x, 1, x, 1))
    }
}

/// A closure whose parallel calls write disjoint memory (see `TuningMath.parallelChunks`).
private struct DisjointWrites: @unchecked Sendable {
    let body: (Range<Int>) -> Void
}

extension TuningMath {
}
