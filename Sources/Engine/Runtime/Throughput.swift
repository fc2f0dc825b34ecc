import CKernels
import COpenBLAS
import Foundation
import Systems

/// Machine measurements the runtime benchmark compares itself with, taken in the same run.
public enum Throughput {
    /// memcpy bandwidth in bytes per second (bytes copied / time), best of `repeats` copies of `bytes`.
    public static func copyBandwidth(bytes: Int = 256 << 20, repeats: Int = 5) -> Double {
        let src = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer {
            src.deallocate()
            dst.deallocate()
        }
        memset(src, 1, bytes)
        memset(dst, 0, bytes)
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let t = clock.now
            memcpy(dst, src, bytes)
            best = min(best, (clock.now - t).seconds)
        }
        return Double(bytes) / best
    }

    /// Streaming read bandwidth in bytes per second: `threads` threads each sum their share of a `bytes` buffer
    /// (filled first, so every page is resident; 1 GiB is far bigger than any cache), best of `repeats` passes. This
    /// is the rate a decode step can at best stream its weights at.
    public static func readBandwidth(bytes: Int = 1 << 30, threads: Int = 2, repeats: Int = 5) -> Double {
        let count = bytes / 4
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        let p = UncheckedSendable(UnsafePointer(buffer))
        let parts = max(1, threads)
        var best = Double.infinity
        let clock = ContinuousClock()
        let sink = SumSink()
        for _ in 0..<max(1, repeats) {
            let t = clock.now
            DispatchQueue.concurrentPerform(iterations: parts) { i in
                let lo = count * i / parts, hi = count * (i + 1) / parts
                sink.add(tk_sum_floats(p.value + lo, Int64(hi - lo)))
            }
            best = min(best, (clock.now - t).seconds)
        }
        precondition(sink.total > 0) // the sums are used, so the reads cannot be elided
        return Double(count * 4) / best
    }

    /// OpenBLAS sgemm rate in FLOP/s on `m×k · k×n` (best of `repeats`), at the current `BLAS.threads`.
    public static func sgemmRate(m: Int = 1024, n: Int = 1024, k: Int = 1024, repeats: Int = 5) -> Double {
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var random = SeededRandom(seed: 1)
        for i in a.indices { a[i] = Float(random.unit()) - 0.5 }
        for i in b.indices { b[i] = Float(random.unit()) - 0.5 }
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let t = clock.now
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0,
                &c, Int32(n))
            best = min(best, (clock.now - t).seconds)
        }
        return 2 * Double(m) * Double(n) * Double(k) / best
    }
}

/// Collects the bandwidth probe's sums.
private final class SumSink: Sendable {
    private let sum = Locked<Double>(0)
    var total: Double { sum.value }
    func add(_ v: Float) { sum.withLock { $0 += Double(v) } }
}

extension LlamaModel {
    /// Floating-point operations of a forward call over `tokens` new positions after `past` cached ones, producing
    /// one logits row (multiply-adds counted as 2).
    public func forwardFLOPs(tokens n: Int, past: Int = 0) -> Double {
        let c = config
        let h = Double(c.hiddenSize), q = Double(c.queryDim), kv = Double(c.kvDim), i = Double(c.intermediateSize)
        let perTokenMatmul = 2 * h * (q + 2 * kv) + 2 * q * h + 3 * 2 * h * i
        // Attention: QKᵀ and PV over the causal prefix, for every head.
        let keysSeen = Double(n) * Double(past) + Double(n) * Double(n + 1) / 2
        let attention = 2 * 2 * keysSeen * Double(c.headDim) * Double(c.headCount)
        return Double(c.layerCount) * (Double(n) * perTokenMatmul + attention) + 2 * h * Double(c.outputVocabularySize)
    }
}
