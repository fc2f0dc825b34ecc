import CKernels
import COpenBLAS
import Foundation

/// A weight matrix `[rows, columns]` (PyTorch's `[out, in]`) kept in the format its file stores. F32 goes straight
/// to BLAS (borrowed from the mapping when possible); F16, BF16 and ggml blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K,
/// Q5_K, Q6_K) stay in the mapping and are dequantised a tile of rows at a time inside each matmul, so the model is
/// never copied to F32 as a whole.
public final class WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// The stored element type (`.f32` for owned or borrowed F32 values).
    public let dtype: TensorDType
    /// The values when `dtype == .f32`.
    public let float32: FloatStorage?
    private let bytes: UnsafeRawPointer?
    private let rowBytes: Int
    /// Logical row `r` is stored row `storedRows[r]` (GGUF q/k rows are stored permuted); nil = identity.
    private let storedRows: [Int]?
    private let owner: AnyObject?
    /// Whether the values are read from the mapped file (nothing copied at load).
    public let isBorrowed: Bool

    /// F32 values (owned or borrowed).
    init(float32 storage: FloatStorage, rows: Int, columns: Int) {
        precondition(storage.count == rows * columns)
        self.rows = rows
        self.columns = columns
        dtype = .f32
        float32 = storage
        bytes = nil
        rowBytes = columns * 4
        storedRows = nil
        owner = nil
        isBorrowed = storage.isBorrowed
    }

    /// Stored rows borrowed from `view` (kept alive by its owner). `storedRows[r]` names the stored row holding
    /// logical row `r`. Nil when `dtype` cannot be decoded row by row (the caller then dequantises once).
    init?(view: TensorView, rows: Int, columns: Int, storedRows: [Int]? = nil) {
        let dtype = view.info.dtype
        guard dtype != .f32, dtype.isFloatConvertible, rows > 0,
            let rowBytes = dtype.byteCount(elements: columns), rowBytes * rows == view.bytes.count,
            let base = view.bytes.baseAddress
        else { return nil }
        self.rows = rows
        self.columns = columns
        self.dtype = dtype
        float32 = nil
        bytes = base
        self.rowBytes = rowBytes
        self.storedRows = storedRows
        owner = view.owner
        isBorrowed = true
    }

    /// Rows `range` as a matrix of their own, sharing this one's storage (a fused projection split by rows).
    func rows(_ range: Range<Int>) -> WeightMatrix {
        WeightMatrix(parent: self, rows: range)
    }

    private init(parent: WeightMatrix, rows range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= parent.rows)
        rows = range.count
        columns = parent.columns
        dtype = parent.dtype
        rowBytes = parent.rowBytes
        owner = parent
        isBorrowed = parent.isBorrowed
        if let f = parent.float32 {
            float32 = FloatStorage(
                borrowing: f.pointer + range.lowerBound * columns, count: range.count * columns, owner: f)
            bytes = nil
            storedRows = nil
        } else if let map = parent.storedRows {
            float32 = nil
            bytes = parent.bytes
            storedRows = Array(map[range])
        } else {
            float32 = nil
            bytes = parent.bytes.map { $0 + range.lowerBound * parent.rowBytes }
            storedRows = nil
        }
    }

    /// Bytes a full pass over the first `rowCount` rows reads.
    func byteCount(rows rowCount: Int) -> Int { rowCount * rowBytes }

    /// Writes logical rows `range` as F32 into `out` (`range.count × columns` values).
    func dequantizeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        if let f = float32 {
            out.update(from: f.pointer + range.lowerBound * columns, count: range.count * columns)
            return
        }
        guard let bytes else { return }
        if let kind = fusedKind { // the C dequantiser: the same formulas, vectorised by the compiler
            for (i, r) in range.enumerated() {
                tk_dequantize_row(kind, bytes + (storedRows?[r] ?? r) * rowBytes, Int64(columns), out + i * columns)
            }
            return
        }
        for (i, r) in range.enumerated() {
            let stored = storedRows?[r] ?? r
            FloatConversion.decode(
                UnsafeRawBufferPointer(start: bytes + stored * rowBytes, count: rowBytes), dtype: dtype,
                into: UnsafeMutableBufferPointer(start: out + i * columns, count: columns))
        }
    }

    /// The C kernel (`CKernels`) that reads this storage fused, or nil.
    private var fusedKind: Int32? {
        switch dtype {
        case .bf16: Int32(TK_BF16.rawValue)
        case .f16: Int32(TK_F16.rawValue)
        case .q8_0: Int32(TK_Q8_0.rawValue)
        case .q4_K: Int32(TK_Q4_K.rawValue)
        case .q5_K: Int32(TK_Q5_K.rawValue)
        case .q6_K: Int32(TK_Q6_K.rawValue)
        default: nil
        }
    }

    /// `y[r] = (accumulate ? y[r] : 0) + row r · x` for logical rows `range` (`x` has `columns` values, `y` is
    /// indexed by logical row). BF16, F16, Q8_0, Q4_K, Q5_K and Q6_K run the fused C kernels (each weight formed as
    /// dequantisation forms it, summed in F32 lanes); Q4_0 and Q4_1 a fused Swift loop; Q5_0 and Q5_1 dequantise
    /// one row at a time into scratch.
    func matvec(rows range: Range<Int>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        guard !range.isEmpty, let bytes else { return }
        if let kind = fusedKind {
            withStoredRowMap { map in
                tk_matvec(
                    kind, bytes, rowBytes, map, Int64(range.lowerBound), Int64(range.upperBound), x, Int64(columns), y,
                    accumulate ? 1 : 0)
            }
            return
        }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: columns)
        defer { scratch.deallocate() }
        for r in range {
            let d = dot(row: r, with: x, scratch: scratch)
            y[r] = accumulate ? y[r] + d : d
        }
    }

    /// The integer kernel (`tk_matvec_q8`) decode uses for this storage, or nil (then decode multiplies in F32).
    /// Q4_K, Q5_K and Q6_K: the weights are 4–6-bit integers with ≥ 1/60 relative rounding, so quantising the
    /// activation vector to 8 bits per block of 256 costs less than the weights' own rounding and lets a row be
    /// multiplied with integer dot products, ~2× faster than forming F32 weights. Q8_0 keeps F32 activations: its
    /// weights are as precise as 8-bit activations would be (SmolLM2's Q8_0 head moved logits by 0.1–0.24 and
    /// changed greedy output when tried). See Sources/Engine/Runtime/README.md, "Decode arithmetic".
    private var integerKind: Int32? {
        guard let kind = fusedKind, tk_q8_activation_bytes(kind, Int64(columns)) > 0 else { return nil }
        return kind
    }

    /// Bytes of this matrix's quantised activation vector, 0 when decode keeps F32 activations.
    var quantizedActivationBytes: Int {
        integerKind.map { Int(tk_q8_activation_bytes($0, Int64(columns))) } ?? 0
    }

    /// Quantises `x` (`columns` values) into `out` (`quantizedActivationBytes` bytes) for `matvec(rows:quantized:…)`.
    func quantizeActivations(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        guard let kind = integerKind else { return }
        tk_quantize_activations(kind, x, Int64(columns), out)
    }

    /// The values d·q the integer kernel multiplies in place of `x` (`columns` values), or nil when decode keeps
    /// F32 activations for this storage: the exact reference of `matvec(rows:quantized:…)` for tests.
    func quantizedActivationValues(_ x: [Float]) -> [Float]? {
        guard let kind = integerKind, x.count == columns else { return nil }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: quantizedActivationBytes, alignment: 64)
        defer { buffer.deallocate() }
        tk_quantize_activations(kind, x, Int64(columns), buffer)
        return [Float](unsafeUninitializedCapacity: columns) { out, initialized in
            tk_dequantize_activations(kind, buffer, Int64(columns), out.baseAddress!)
            initialized = columns
        }
    }

    /// As `matvec(rows:x:y:accumulate:)` with the activations quantised by `quantizeActivations` (integer kernels).
    func matvec(
        rows range: Range<Int>, quantized xq: UnsafeRawPointer, y: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        guard !range.isEmpty, let bytes, let kind = integerKind else { return }
        withStoredRowMap { map in
            tk_matvec_q8(
                kind, bytes, rowBytes, map, Int64(range.lowerBound), Int64(range.upperBound), xq, Int64(columns), y,
                accumulate ? 1 : 0)
        }
    }

    /// Calls `body` with `storedRows` as the C kernels' row map (`int64_t *`, logical row → stored row), or nil for
    /// the identity.
    private func withStoredRowMap(_ body: (UnsafePointer<Int64>?) -> Void) {
        guard let storedRows else { return body(nil) }
        storedRows.withUnsafeBufferPointer { p in
            body(p.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: Int64.self) })
        }
    }

    /// Logical row `r` · `x` (`columns` values). Q4_0 and Q4_1 are fused (each weight is formed exactly as
    /// dequantisation forms it, then multiplied and summed in 16 lanes); other dtypes go through `scratch`.
    func dot(row r: Int, with x: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> Float {
        guard let bytes, dtype == .q4_0 || dtype == .q4_1 else {
            dequantizeRows(r..<(r + 1), into: scratch)
            return Kernels.dot(scratch, x, count: columns)
        }
        let base = bytes + (storedRows?[r] ?? r) * rowBytes
        let xr = UnsafeRawPointer(x)
        var acc = SIMD16<Float>(repeating: 0)
        @inline(__always) func half(_ p: UnsafeRawPointer) -> Float {
            HalfFloat.f16ToFloat(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        }
        for b in 0..<(columns / 32) {
            let x0 = xr.loadUnaligned(fromByteOffset: 128 * b, as: SIMD16<Float>.self)
            let x1 = xr.loadUnaligned(fromByteOffset: 128 * b + 64, as: SIMD16<Float>.self)
            if dtype == .q4_0 {
                let p = base + 18 * b
                let d = SIMD16<Float>(repeating: half(p))
                let q = p.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
                let lo = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q & 0x0F) &- 8)
                let hi = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q &>> 4) &- 8)
                acc += (d * lo) * x0 + (d * hi) * x1
            } else { // q4_1
                let p = base + 20 * b
                let d = SIMD16<Float>(repeating: half(p)), m = SIMD16<Float>(repeating: half(p + 2))
                let q = p.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
                let lo = SIMD16<Float>(q & 0x0F), hi = SIMD16<Float>(q &>> 4)
                acc += (d * lo + m) * x0 + (d * hi + m) * x1
            }
        }
        return acc.sum()
    }

    /// The permutation llama.cpp's converter applies to q/k projection rows: logical (HF) row `h·d + p·d/2 + j` is
    /// stored at `h·d + 2j + p`.
    static func ggufRotaryRows(rows: Int, heads: Int) -> [Int]? {
        guard heads > 0, rows % heads == 0, (rows / heads) % 2 == 0 else { return nil }
        let d = rows / heads, half = d / 2
        var map = [Int](repeating: 0, count: rows)
        for h in 0..<heads {
            for j in 0..<half {
                for p in 0..<2 { map[h * d + p * half + j] = h * d + 2 * j + p }
            }
        }
        return map
    }
}

extension Kernels {
    /// `y[rows, out] = x[rows, in] · W[0..<out]ᵀ` (`accumulate`: `y += …`) for any stored dtype. F32 goes to
    /// BLAS as before. Otherwise one row (decode) is split by output rows over the worker threads, each running the
    /// fused dequantising kernel (`WeightMatrix.matvec`) on its rows (for Q4_K, Q5_K and Q6_K the integer kernel on
    /// the activations quantised to 8 bits, see `WeightMatrix.quantizedActivationBytes`); more rows (prefill)
    /// dequantise a tile of weight rows (in parallel) and multiply it with sgemm in F32. Threads: `BLAS.threads`.
    static func linear(
        _ w: WeightMatrix, out: Int, x: UnsafePointer<Float>, rows: Int, y: UnsafeMutablePointer<Float>,
        accumulate: Bool = false, activations: DecodeActivations = .quantized8
    ) {
        precondition(out <= w.rows)
        let k = w.columns
        if let f = w.float32 {
            linear(f.pointer, out: out, in: k, x: x, rows: rows, y: y, accumulate: accumulate)
            return
        }
        let workers = max(1, BLAS.threads) // one thread setting for both kinds of matmul
        let xs = UncheckedSendable(x), ys = UncheckedSendable(y)
        if rows == 1 {
            // Rows split into a few chunks per worker (balance when other processes take a core); the workers are
            // libdispatch's fixed pool, no thread is created per token. Q4_K/Q5_K/Q6_K weights: the activation
            // vector is quantised to 8 bits once here, and every chunk runs the integer kernel on it.
            let chunks = workers == 1 ? 1 : min(out, workers * 4)
            let quantizedBytes = activations == .quantized8 ? w.quantizedActivationBytes : 0
            let quantized = UnsafeMutableRawPointer.allocate(byteCount: max(quantizedBytes, 1), alignment: 64)
            defer { quantized.deallocate() }
            if quantizedBytes > 0 { w.quantizeActivations(x, into: quantized) }
            let xq = UncheckedSendable(UnsafeRawPointer(quantized))
            let body: @Sendable (Int) -> Void = { c in
                let range = (out * c / chunks)..<(out * (c + 1) / chunks)
                if quantizedBytes > 0 {
                    w.matvec(rows: range, quantized: xq.value, y: ys.value, accumulate: accumulate)
                } else {
                    w.matvec(rows: range, x: xs.value, y: ys.value, accumulate: accumulate)
                }
            }
            if chunks == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: body) }
            return
        }
        let tile = max(16, min(out, (1 << 20) / max(k, 1)))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)
        defer { buffer.deallocate() }
        let tiles = UncheckedSendable(buffer)
        let beta: Float = accumulate ? 1 : 0
        var start = 0
        while start < out {
            let first = start, count = min(tile, out - start)
            let parts = min(count, workers)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = count * p / parts, hi = count * (p + 1) / parts
                if lo < hi { w.dequantizeRows((first + lo)..<(first + hi), into: tiles.value + lo * k) }
            }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(count), Int32(k),
                1, x, Int32(k), buffer, Int32(k), beta, y + first, Int32(out))
            start += count
        }
    }

    /// Σ a[i]·b[i] in eight F32 lanes.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            acc +=
                ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }
}
