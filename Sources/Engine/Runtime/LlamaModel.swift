import Foundation

/// A Llama-family decoder on the CPU: RMSNorm, rotary positions, grouped-query attention, SwiGLU MLP, tied or untied
/// head (with the family variations `DecoderConfig` names: Gemma's (1+w) norms, √d scale, GeGLU, sandwich norms,
/// q/k norms, soft-capping and per-layer windows/rotary bases; Mistral's window; Qwen2's biases; Phi-3's LongRoPE), F32 arithmetic on weights kept in their stored format (see `WeightMatrix`). Prefill (many tokens) runs on
/// OpenBLAS sgemm, decode (one token) on sgemv (F32 weights) or threaded dequantising dot products, with a KV cache.
/// The model is immutable after loading, so one instance can serve several sequences (each with its own `KVCache`)
/// from different threads; OpenBLAS's thread count is process-wide (`BLAS.setThreads`).
public final class LlamaModel: @unchecked Sendable {
    public let config: DecoderConfig
    let weights: LlamaWeights
    let rotary: RotaryEmbedding
    /// The sliding-window layers' rotary embedding when it differs (Gemma 3's local base frequency).
    let localRotary: RotaryEmbedding?

    public init(config: DecoderConfig, weights source: WeightSource) throws {
        try config.validate()
        self.config = config
        self.weights = try LlamaWeights(config: config, source: source)
        self.rotary = RotaryEmbedding(headDim: config.headDim, rope: config.rope)
        self.localRotary = config.localRope.map { RotaryEmbedding(headDim: config.headDim, rope: $0) }
    }

    public func makeCache(capacity: Int = 64) -> KVCache {
        KVCache(layerCount: config.layerCount, kvDim: config.kvDim, capacity: capacity)
    }

    /// Bytes of weights a decode step streams from memory (for the bandwidth bound).
    public var bytesReadPerToken: Int { weights.bytesReadPerToken(config: config) }

    /// Which positions of a forward call produce logits.
    public enum LogitRows: Sendable, Equatable {
        case last, all, none
        /// Rows `range` of this call's tokens (e.g. only the positions an evaluation window scores).
        case rows(Range<Int>)
    }

    /// Runs `tokens` (input-table ids) at the positions after those already in `cache`, appends their keys and
    /// values to it, and returns logits over the output vocabulary for the requested rows. `activations` chooses the
    /// arithmetic of one-row products on Q4_K/Q5_K/Q6_K weights (`DecodeActivations`); every other product is F32.
    public func forward(
        _ tokens: [Int], cache: KVCache, logits rows: LogitRows = .last, activations: DecodeActivations = .quantized8
    ) throws -> Logits {
        let c = config
        let n = tokens.count
        guard n > 0 else { throw RuntimeError.emptyInput("forward needs at least one token") }
        for t in tokens where t < 0 || t >= c.inputVocabularySize {
            throw RuntimeError.tokenOutOfRange(id: t, vocabulary: c.inputVocabularySize)
        }
        let start = cache.count
        guard start + n <= c.maxPositions else {
            throw RuntimeError.contextOverflow(needed: start + n, limit: c.maxPositions)
        }
        cache.reserve(n)

        let h = c.hiddenSize
        var ws = Workspace(config: c, rows: n, keys: start + n, activations: activations)
        defer { ws.release() }
        for (r, t) in tokens.enumerated() {
            weights.embedding.dequantizeRows(t..<(t + 1), into: ws.x + r * h)
        }
        if c.gemma { // × √hidden, rounded to F32 first as transformers does
            let scale = Float(Double(h).squareRoot())
            for i in 0..<(n * h) { ws.x[i] *= scale }
        }
        let half = c.headDim / 2
        let long = rotary.usesLongFrequencies(sequenceLength: start + n)
        for r in 0..<n {
            rotary.angles(position: start + r, cos: ws.cos + r * half, sin: ws.sin + r * half, long: long)
            if let local = localRotary {
                local.angles(
                    position: start + r, cos: ws.localCos + r * half, sin: ws.localSin + r * half,
                    long: local.usesLongFrequencies(sequenceLength: start + n))
            }
        }
        for l in 0..<c.layerCount {
            layer(l, rows: n, start: start, cache: cache, ws: &ws)
        }
        cache.advance(by: n)
        return head(ws: ws, rows: n, which: rows)
    }

    private func layer(_ l: Int, rows n: Int, start: Int, cache: KVCache, ws: inout Workspace) {
        let c = config, w = weights.layers[l], h = c.hiddenSize
        Kernels.rmsNorm(ws.x, weight: w.attentionNorm.pointer, eps: c.rmsNormEps, rows: n, dim: h, into: ws.norm)
        let keys = cache.keys(layer: l) + start * c.kvDim
        let values = cache.values(layer: l) + start * c.kvDim
        Kernels.linear(w.q, out: c.queryDim, x: ws.norm, rows: n, y: ws.q, activations: ws.activations)
        Kernels.linear(w.k, out: c.kvDim, x: ws.norm, rows: n, y: keys, activations: ws.activations)
        Kernels.linear(w.v, out: c.kvDim, x: ws.norm, rows: n, y: values, activations: ws.activations)
        if let b = w.qBias { Kernels.addBias(b.pointer, y: ws.q, rows: n, out: c.queryDim) }
        if let b = w.kBias { Kernels.addBias(b.pointer, y: keys, rows: n, out: c.kvDim) }
        if let b = w.vBias { Kernels.addBias(b.pointer, y: values, rows: n, out: c.kvDim) }
        // Gemma 3: every head vector of q and k normalised on its own (in place; rows are contiguous heads).
        if let qn = w.queryNorm, let kn = w.keyNorm {
            Kernels.rmsNorm(
                ws.q, weight: qn.pointer, eps: c.rmsNormEps, rows: n * c.headCount, dim: c.headDim, into: ws.q)
            Kernels.rmsNorm(
                keys, weight: kn.pointer, eps: c.rmsNormEps, rows: n * c.kvHeadCount, dim: c.headDim, into: keys)
        }
        let half = c.headDim / 2
        let sliding = c.isSliding(layer: l)
        let (cos, sin) = sliding && localRotary != nil ? (ws.localCos, ws.localSin) : (ws.cos, ws.sin)
        let rotation = sliding ? (localRotary ?? rotary) : rotary
        for r in 0..<n {
            rotation.rotate(ws.q + r * c.queryDim, heads: c.headCount, cos: cos + r * half, sin: sin + r * half)
            rotation.rotate(keys + r * c.kvDim, heads: c.kvHeadCount, cos: cos + r * half, sin: sin + r * half)
        }
        Attention.run(
            config: c, queries: ws.q, rows: n, start: start,
            keys: cache.keys(layer: l), values: cache.values(layer: l), scores: ws.scores, out: ws.attention,
            window: c.window(layer: l))
        if let post = w.postAttentionNorm {
            // Gemma 2/3: x += norm(o(attention)).
            Kernels.linear(w.o, out: h, x: ws.attention, rows: n, y: ws.norm, activations: ws.activations)
            if let b = w.oBias { Kernels.addBias(b.pointer, y: ws.norm, rows: n, out: h) }
            Self.addNormalized(ws.norm, weight: post, eps: c.rmsNormEps, rows: n, dim: h, to: ws.x)
        } else {
            Kernels.linear(
                w.o, out: h, x: ws.attention, rows: n, y: ws.x, accumulate: true, activations: ws.activations)
            if let b = w.oBias { Kernels.addBias(b.pointer, y: ws.x, rows: n, out: h) }
        }

        Kernels.rmsNorm(ws.x, weight: w.mlpNorm.pointer, eps: c.rmsNormEps, rows: n, dim: h, into: ws.norm)
        Kernels.linear(w.gate, out: c.intermediateSize, x: ws.norm, rows: n, y: ws.gate, activations: ws.activations)
        Kernels.linear(w.up, out: c.intermediateSize, x: ws.norm, rows: n, y: ws.up, activations: ws.activations)
        if c.gemma {
            Kernels.geGLU(gate: ws.gate, up: ws.up, count: n * c.intermediateSize)
        } else {
            Kernels.swiGLU(gate: ws.gate, up: ws.up, count: n * c.intermediateSize)
        }
        if let post = w.postFeedForwardNorm {
            Kernels.linear(w.down, out: h, x: ws.gate, rows: n, y: ws.norm, activations: ws.activations)
            Self.addNormalized(ws.norm, weight: post, eps: c.rmsNormEps, rows: n, dim: h, to: ws.x)
        } else {
            Kernels.linear(w.down, out: h, x: ws.gate, rows: n, y: ws.x, accumulate: true, activations: ws.activations)
        }
    }

    /// `x += rmsNorm(y) · weight` row by row (`y` is overwritten).
    private static func addNormalized(
        _ y: UnsafeMutablePointer<Float>, weight: FloatStorage, eps: Float, rows: Int, dim: Int,
        to x: UnsafeMutablePointer<Float>
    ) {
        Kernels.rmsNorm(y, weight: weight.pointer, eps: eps, rows: rows, dim: dim, into: y)
        for i in 0..<(rows * dim) { x[i] += y[i] }
    }

    private func head(ws: Workspace, rows n: Int, which: LogitRows) -> Logits {
        let c = config, h = c.hiddenSize, v = c.outputVocabularySize
        let first: Int, count: Int
        switch which {
        case .none: return Logits(rows: 0, vocabularySize: v, values: [])
        case .last: (first, count) = (n - 1, 1)
        case .all: (first, count) = (0, n)
        case .rows(let r):
            let clamped = r.clamped(to: 0..<n)
            if clamped.isEmpty { return Logits(rows: 0, vocabularySize: v, values: []) }
            (first, count) = (clamped.lowerBound, clamped.count)
        }
        Kernels.rmsNorm(
            ws.x + first * h, weight: weights.finalNorm.pointer, eps: c.rmsNormEps, rows: count, dim: h,
            into: ws.norm)
        let values = [Float](unsafeUninitializedCapacity: count * v) { buffer, initialized in
            if let base = buffer.baseAddress {
                Kernels.linear(weights.head, out: v, x: ws.norm, rows: count, y: base, activations: ws.activations)
                if let bias = weights.headBias {
                    for r in 0..<count {
                        let row = base + r * v
                        for j in 0..<v { row[j] += bias.pointer[j] }
                    }
                }
                if let cap = c.finalLogitSoftCap { // Gemma 2: cap · tanh(logit / cap)
                    for i in 0..<(count * v) { base[i] = tanhf(base[i] / cap) * cap }
                }
            }
            initialized = count * v
        }
        return Logits(rows: count, vocabularySize: v, values: values)
    }
}

/// Logits for some positions, row-major `[rows, vocabularySize]`.
public struct Logits: Sendable {
    public let rows: Int
    public let vocabularySize: Int
    public let values: [Float]

    public func row(_ r: Int) -> ArraySlice<Float> {
        values[(r * vocabularySize)..<((r + 1) * vocabularySize)]
    }

    /// The last row (the next-token distribution after a forward call).
    public var last: ArraySlice<Float> { row(rows - 1) }
}

/// Scratch buffers of one forward call.
struct Workspace {
    let x, norm, q, attention, gate, up, scores, cos, sin, localCos, localSin: UnsafeMutablePointer<Float>
    let activations: DecodeActivations

    init(config c: DecoderConfig, rows n: Int, keys: Int, activations: DecodeActivations) {
        self.activations = activations
        x = .allocate(capacity: n * c.hiddenSize)
        norm = .allocate(capacity: n * c.hiddenSize)
        q = .allocate(capacity: n * c.queryDim)
        attention = .allocate(capacity: n * c.queryDim)
        gate = .allocate(capacity: n * c.intermediateSize)
        up = .allocate(capacity: n * c.intermediateSize)
        scores = .allocate(capacity: n * keys)
        cos = .allocate(capacity: n * c.headDim / 2)
        sin = .allocate(capacity: n * c.headDim / 2)
        let local = c.localRope == nil ? 1 : n * c.headDim / 2
        localCos = .allocate(capacity: local)
        localSin = .allocate(capacity: local)
    }

    func release() {
        for p in [x, norm, q, attention, gate, up, scores, cos, sin, localCos, localSin] { p.deallocate() }
    }
}
