import Dispatch

/// Runs sentence chunks on `threads` workers with results that do not depend on the thread count.
///
/// Deliberate difference from fast_align (whose OpenMP `Increment` races): every worker accumulates expected
/// counts as 64-bit fixed-point integers (2⁻³² resolution) into its own buffer, and the buffers are added up
/// afterwards. Integer addition is associative, so the totals are bit-identical for any thread count and any
/// scheduling. Scalar statistics are kept per fixed-size chunk and summed in chunk order.
struct FixedPointCounts {
    static let scale = 4_294_967_296.0 // 2^32
    @inline(__always) static func encode(_ x: Double) -> Int64 { Int64(x * scale + 0.5) } // x ≥ 0
    @inline(__always) static func decode(_ x: Int64) -> Double { Double(x) / scale }
}

/// A pointer that may cross into the workers; each worker writes only its own slots.
struct SendablePointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

enum DeterministicParallel {
    static let chunkSize = 256

    /// Calls `body(worker, chunkRange)` for each chunk of `0..<count`; chunk c runs on worker c % threads.
    static func forEachChunk(count: Int, threads: Int, _ body: @Sendable (Int, Range<Int>, Int) -> Void) {
        let chunks = (count + chunkSize - 1) / chunkSize
        let workers = max(1, min(threads, chunks))
        if workers == 1 {
            for c in 0..<chunks { body(0, (c * chunkSize)..<min(count, (c + 1) * chunkSize), c) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var c = w
            while c < chunks {
                body(w, (c * chunkSize)..<min(count, (c + 1) * chunkSize), c)
                c += workers
            }
        }
    }

    static func chunkCount(_ count: Int) -> Int { (count + chunkSize - 1) / chunkSize }
}
