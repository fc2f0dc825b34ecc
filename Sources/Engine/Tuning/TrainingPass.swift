import Foundation

/// One pass of the language-model loss over a batch: the forward pass keeping the activations, and (when gradients
/// are asked for) the backward pass to the input embedding rows and the head, with the body frozen (no weight
/// gradients are formed). Loss: mean next-token cross-entropy over the batch's scored positions.
enum TrainingPass {
    struct Outcome {
        /// Σ −log p over scored positions, in nats.
        var totalNLL: Double
        var scoredTokens: Int
        /// The distillation term's value (0 without teacher targets or weight).
        var distillationLoss: Double = 0
        var meanLoss: Double { totalNLL / Double(scoredTokens) }
    }

    /// `distillation`: weight of the hidden-state term (see `distillationGradient`), used when the batch carries
    /// teacher targets.
    static func run(
        model: TuningModel, batch: TokenBatch, workspace ws: TrainingWorkspace,
        gradients: TuningGradients?, distillation: Float = 0
    ) throws -> Outcome {
        let c = model.config
        guard ws.fits(batch) else {
            throw TuningError.invalidBatch(
                "\(batch.count) × \(batch.length) tokens exceed the workspace (\(ws.sequences) × \(ws.length))")
        }
        guard batch.length <= c.maxPositions else {
            throw TuningError.invalidBatch(
                "sequence length \(batch.length) exceeds the model's \(c.maxPositions) positions")
        }
        for (i, s) in batch.sequences.enumerated() {
            for t in s where t < 0 || t >= c.inputVocabularySize {
                throw TuningError.invalidBatch(
                    "sequence \(i) has token id \(t) outside the input table 0..<\(c.inputVocabularySize)")
            }
        }
        for (i, s) in batch.sequences.enumerated() {
            for t in s[batch.scoredPositions(i)] where t >= c.outputVocabularySize {
                throw TuningError.invalidBatch(
                    "sequence \(i) predicts token id \(t), outside the head's 0..<\(c.outputVocabularySize)")
            }
        }
        let n = batch.length, b = batch.count, rows = n * b, h = c.hiddenSize
        let half = c.headDim / 2
        for p in 0..<n {
            model.rotary.angles(position: p, cos: ws.cos.pointer + p * half, sin: ws.sin.pointer + p * half)
        }

        // Embedding lookup.
        for (s, seq) in batch.sequences.enumerated() {
            for (p, t) in seq.enumerated() {
                (ws.x.pointer + (s * n + p) * h).update(from: model.embedding.pointer + t * h, count: h)
            }
        }
        for l in 0..<c.layerCount { forwardLayer(model, l, sequences: b, length: n, ws: ws) }
        let outcome = try headLoss(model, batch: batch, ws: ws, gradients: gradients, distillation: distillation)
        guard let gradients else { return outcome }

        for l in stride(from: c.layerCount - 1, through: 0, by: -1) {
            backwardLayer(model, l, sequences: b, length: n, ws: ws)
        }
        // dx is the gradient at the embedding output: scatter it onto the rows used.
        let grad = gradients.embedding.pointer
        for (s, seq) in batch.sequences.enumerated() {
            for (p, t) in seq.enumerated() where model.trainableInputRows.contains(t) {
                gradients.touch(t)
                let src = ws.dx.pointer + (s * n + p) * h, dst = grad + t * h
                for i in 0..<h { dst[i] += src[i] }
            }
        }
        _ = rows
        return outcome
    }

    // MARK: forward

    private static func forwardLayer(
        _ model: TuningModel, _ l: Int, sequences b: Int, length n: Int, ws: TrainingWorkspace
    ) {
        let c = model.config, w = model.body.layers[l], a = ws.layers[l]
        let rows = b * n, h = c.hiddenSize, qd = c.queryDim, kvd = c.kvDim, ff = c.intermediateSize,
            half = c.headDim / 2
        a.xIn.pointer.update(from: ws.x.pointer, count: rows * h)
        TuningMath.rmsNorm(
            ws.x.pointer, weight: w.attentionNorm.pointer, eps: c.rmsNormEps, rows: rows, dim: h, into: ws.norm.pointer)
        TuningMath.linear(w.q.pointer, out: qd, in: h, x: ws.norm.pointer, rows: rows, y: a.q.pointer)
        TuningMath.linear(w.k.pointer, out: kvd, in: h, x: ws.norm.pointer, rows: rows, y: a.k.pointer)
        TuningMath.linear(w.v.pointer, out: kvd, in: h, x: ws.norm.pointer, rows: rows, y: a.v.pointer)
        if let bias = w.qBias { TuningMath.addBias(bias.pointer, y: a.q.pointer, rows: rows, out: qd) }
        if let bias = w.kBias { TuningMath.addBias(bias.pointer, y: a.k.pointer, rows: rows, out: kvd) }
        if let bias = w.vBias { TuningMath.addBias(bias.pointer, y: a.v.pointer, rows: rows, out: kvd) }
        for r in 0..<rows {
            let p = r % n
            model.rotary.rotate(
                a.q.pointer + r * qd, heads: c.headCount, cos: ws.cos.pointer + p * half, sin: ws.sin.pointer + p * half
            )
            model.rotary.rotate(
                a.k.pointer + r * kvd, heads: c.kvHeadCount, cos: ws.cos.pointer + p * half,
                sin: ws.sin.pointer + p * half)
        }
        attentionForward(c, a, sequences: b, length: n)
        // xMid = x + attention · Woᵀ
        TuningMath.linear(
            w.o.pointer, out: h, in: qd, x: a.attention.pointer, rows: rows, y: ws.x.pointer, accumulate: true)
        if let bias = w.oBias { TuningMath.addBias(bias.pointer, y: ws.x.pointer, rows: rows, out: h) }
        a.xMid.pointer.update(from: ws.x.pointer, count: rows * h)
        TuningMath.rmsNorm(
            ws.x.pointer, weight: w.mlpNorm.pointer, eps: c.rmsNormEps, rows: rows, dim: h, into: ws.norm.pointer)
        TuningMath.linear(w.gate.pointer, out: ff, in: h, x: ws.norm.pointer, rows: rows, y: a.gate.pointer)
        TuningMath.linear(w.up.pointer, out: ff, in: h, x: ws.norm.pointer, rows: rows, y: a.up.pointer)
        TuningMath.swiGLU(gate: a.gate.pointer, up: a.up.pointer, count: rows * ff, out: ws.mlpOut.pointer)
        TuningMath.linear(
            w.down.pointer, out: h, in: ff, x: ws.mlpOut.pointer, rows: rows, y: ws.x.pointer, accumulate: true)
    }

    /// Causal grouped-query attention per sequence and head; keeps the probabilities.
    private static func attentionForward(
        _ c: DecoderConfig, _ a: TrainingWorkspace.LayerActivations, sequences b: Int, length n: Int
    ) {
        let d = c.headDim, qd = c.queryDim, kvd = c.kvDim, group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(d).squareRoot()
        for s in 0..<b {
            for head in 0..<c.headCount {
                let kv = head / group
                let q = a.q.pointer + s * n * qd + head * d
                let k = a.k.pointer + s * n * kvd + kv * d
                let v = a.v.pointer + s * n * kvd + kv * d
                let p = a.probs.pointer + (s * c.headCount + head) * n * n
                TuningMath.gemm(
                    transB: true, m: n, n: n, k: d, alpha: scale, a: q, lda: qd, b: k, ldb: kvd, c: p, ldc: n)
                for r in 0..<n {
                    let row = p + r * n
                    let lowest = c.slidingWindow.map { max(0, r - $0 + 1) } ?? 0
                    for j in 0..<lowest { row[j] = 0 }
                    Kernels.softmax(row + lowest, count: r + 1 - lowest)
                    for j in (r + 1)..<n { row[j] = 0 }
                }
                TuningMath.gemm(
                    m: n, n: d, k: n, a: p, lda: n, b: v, ldb: kvd, c: a.attention.pointer + s * n * qd + head * d,
                    ldc: qd)
            }
        }
    }

    /// Final norm, logits, loss; with gradients: d logits, the head's gradient, and d x at the body's output (in
    /// `ws.dx`).
    private static func headLoss(
        _ model: TuningModel, batch: TokenBatch, ws: TrainingWorkspace, gradients: TuningGradients?,
        distillation: Float
    ) throws -> Outcome {
        let c = model.config, n = batch.length, rows = batch.count * n, h = c.hiddenSize, vocab = c.outputVocabularySize
        TuningMath.rmsNorm(
            ws.x.pointer, weight: model.body.finalNorm.pointer, eps: c.rmsNormEps, rows: rows, dim: h,
            into: ws.finalNormed.pointer)
        let headTable = model.headPointer
        TuningMath.linear(headTable, out: vocab, in: h, x: ws.finalNormed.pointer, rows: rows, y: ws.logits.pointer)
        let scored = batch.scoredTokens
        let inverse = 1 / Float(scored)
        var targets = [Int](repeating: -1, count: rows)
        for (s, seq) in batch.sequences.enumerated() {
            for p in batch.scoredPositions(s) { targets[s * n + p - 1] = seq[p] }
        }
        // Per-row NLL; with gradients each row becomes (softmax − onehot) / scored (zero for the unscored last rows).
        var nll = [Double](repeating: 0, count: rows)
        let logits = ws.logits.pointer
        let wantGradient = gradients != nil
        targets.withUnsafeBufferPointer { targets in
            nll.withUnsafeMutableBufferPointer { nll in
                let nllBase = nll.baseAddress!, targetBase = targets.baseAddress!
                TuningMath.parallelChunks(rows, minimumChunk: 8) { chunk in
                    for r in chunk {
                        let row = logits + r * vocab
                        let target = targetBase[r]
                        if target < 0 {
                            if wantGradient { row.update(repeating: 0, count: vocab) }
                            continue
                        }
                        var m = -Float.infinity
                        for i in 0..<vocab where row[i] > m { m = row[i] }
                        var sum: Double = 0
                        for i in 0..<vocab { sum += Double(expf(row[i] - m)) }
                        let lse = Double(m) + log(sum)
                        nllBase[r] = lse - Double(row[target])
                        if wantGradient {
                            let shift = Float(lse)
                            for i in 0..<vocab { row[i] = expf(row[i] - shift) * inverse }
                            row[target] -= inverse
                        }
                    }
                }
            }
        }
        var outcome = Outcome(totalNLL: nll.reduce(0, +), scoredTokens: scored)
        var distillationGradient: [Float]?
        if distillation > 0, let teacher = batch.teacher {
            let d = try distillationTerm(
                teacher, normed: ws.finalNormed.pointer, length: n, hidden: h, weight: distillation)
            outcome.distillationLoss = d.loss
            distillationGradient = d.gradient
        }
        guard let gradients else { return outcome }

        // Head gradient: dH[vocab, h] = dlogitsᵀ · normed (tied: added to the input table's first rows).
        let headGrad = gradients.head?.pointer ?? gradients.embedding.pointer
        TuningMath.gemm(
            transA: true, m: vocab, n: h, k: rows, a: logits, lda: vocab, b: ws.finalNormed.pointer, ldb: h,
            beta: gradients.head == nil ? 1 : 0, c: headGrad, ldc: h)
        if gradients.head == nil {
            for r in 0..<vocab where model.trainableInputRows.contains(r) { gradients.touch(r) }
        }
        // d normed = dlogits · H, then back through the final norm.
        TuningMath.gemm(
            m: rows, n: h, k: vocab, a: logits, lda: vocab, b: headTable, ldb: h, c: ws.dNorm.pointer, ldc: h)
        if let g = distillationGradient { for i in 0..<(rows * h) { ws.dNorm.pointer[i] += g[i] } }
        ws.dx.pointer.update(repeating: 0, count: rows * h)
        TuningMath.rmsNormBackward(
            ws.x.pointer, weight: model.body.finalNorm.pointer, eps: c.rmsNormEps, rows: rows, dim: h,
            dy: ws.dNorm.pointer, addInto: ws.dx.pointer)
        return outcome
    }

    /// The distillation term: `weight · Σ‖n_p − t_p‖² / Σ‖t_p‖²` over the teacher's positions (`n_p` the
    /// student's final-normed state, `t_p` the source model's at the same byte of the text; relative squared error,
    /// so the weight does not depend on the model's scale), and its gradient with respect to the normed states
    /// (`rows × hidden`, zero elsewhere).
    static func distillationTerm(
        _ teacher: [DistillationTargets], normed: UnsafePointer<Float>, length n: Int, hidden h: Int,
        weight: Float
    ) throws -> (loss: Double, gradient: [Float]) {
        var gradient = [Float](repeating: 0, count: teacher.count * n * h)
        var error = 0.0, reference = 0.0
        for (s, t) in teacher.enumerated() {
            guard t.states.count == t.positions.count * h else {
                throw TuningError.invalidBatch(
                    "sequence \(s): \(t.positions.count) distillation positions but \(t.states.count) state values")
            }
            for (k, p) in t.positions.enumerated() {
                guard p >= 0, p < n else {
                    throw TuningError.invalidBatch("sequence \(s): distillation position \(p) outside 0..<\(n)")
                }
                let row = normed + (s * n + p) * h
                for i in 0..<h {
                    let target = t.states[k * h + i], diff = row[i] - target
                    error += Double(diff * diff)
                    reference += Double(target * target)
                    gradient[(s * n + p) * h + i] = diff
                }
            }
        }
        guard reference > 0 else { return (0, [Float](repeating: 0, count: gradient.count)) }
        let scale = Float(2 * Double(weight) / reference)
        for i in gradient.indices { gradient[i] *= scale }
        return (Double(weight) * error / reference, gradient)
    }

    /// Forward only: the final-normed hidden state of every position of `tokens` (`tokens.count × hidden`), the
    /// quantity the distillation term compares.
    static func normedStates(model: TuningModel, tokens: [Int], workspace ws: TrainingWorkspace) throws -> [Float] {
        let c = model.config, n = tokens.count, h = c.hiddenSize, half = c.headDim / 2
        guard n >= 1, n <= ws.length, n <= c.maxPositions else {
            throw TuningError.invalidBatch(
                "\(n) tokens for a workspace of \(ws.length) (model: \(c.maxPositions) positions)")
        }
        for t in tokens where t < 0 || t >= c.inputVocabularySize {
            throw TuningError.invalidBatch("token id \(t) outside the input table 0..<\(c.inputVocabularySize)")
        }
        for p in 0..<n {
            model.rotary.angles(position: p, cos: ws.cos.pointer + p * half, sin: ws.sin.pointer + p * half)
        }
        for (p, t) in tokens.enumerated() {
            (ws.x.pointer + p * h).update(from: model.embedding.pointer + t * h, count: h)
        }
        for l in 0..<c.layerCount { forwardLayer(model, l, sequences: 1, length: n, ws: ws) }
        TuningMath.rmsNorm(
            ws.x.pointer, weight: model.body.finalNorm.pointer, eps: c.rmsNormEps, rows: n, dim: h,
            into: ws.finalNormed.pointer)
        return Array(UnsafeBufferPointer(start: ws.finalNormed.pointer, count: n * h))
    }

    // MARK: backward

    /// `ws.dx` holds d(layer output) on entry and d(layer input) on exit.
    private static func backwardLayer(
        _ model: TuningModel, _ l: Int, sequences b: Int, length n: Int, ws: TrainingWorkspace
    ) {
        let c = model.config, w = model.body.layers[l], a = ws.layers[l]
        let rows = b * n, h = c.hiddenSize, qd = c.queryDim, kvd = c.kvDim, ff = c.intermediateSize,
            half = c.headDim / 2
        let dx = ws.dx.pointer

        // MLP: out = xMid + swiGLU(gate, up) · Wdᵀ.
        TuningMath.linearBackward(w.down.pointer, out: h, in: ff, dy: dx, rows: rows, dx: ws.dMLP.pointer)
        TuningMath.swiGLUBackward(gate: a.gate.pointer, up: a.up.pointer, ds: ws.dMLP.pointer, count: rows * ff)
        TuningMath.linearBackward(w.gate.pointer, out: ff, in: h, dy: a.gate.pointer, rows: rows, dx: ws.dNorm.pointer)
        TuningMath.linearBackward(
            w.up.pointer, out: ff, in: h, dy: a.up.pointer, rows: rows, dx: ws.dNorm.pointer, accumulate: true)
        TuningMath.rmsNormBackward(
            a.xMid.pointer, weight: w.mlpNorm.pointer, eps: c.rmsNormEps, rows: rows, dim: h,
            dy: ws.dNorm.pointer, addInto: dx)

        // Attention: xMid = xIn + attention · Woᵀ.
        TuningMath.linearBackward(w.o.pointer, out: h, in: qd, dy: dx, rows: rows, dx: ws.dQuery.pointer)
        attentionBackward(c, a, sequences: b, length: n, ws: ws)
        for r in 0..<rows {
            let p = r % n
            TuningMath.rotateBackward(
                ws.dQuery.pointer + r * qd, heads: c.headCount, headDim: c.headDim,
                cos: ws.cos.pointer + p * half, sin: ws.sin.pointer + p * half)
            TuningMath.rotateBackward(
                ws.dKey.pointer + r * kvd, heads: c.kvHeadCount, headDim: c.headDim,
                cos: ws.cos.pointer + p * half, sin: ws.sin.pointer + p * half)
        }
        TuningMath.linearBackward(w.q.pointer, out: qd, in: h, dy: ws.dQuery.pointer, rows: rows, dx: ws.dNorm.pointer)
        TuningMath.linearBackward(
            w.k.pointer, out: kvd, in: h, dy: ws.dKey.pointer, rows: rows, dx: ws.dNorm.pointer, accumulate: true)
        TuningMath.linearBackward(
            w.v.pointer, out: kvd, in: h, dy: ws.dValue.pointer, rows: rows, dx: ws.dNorm.pointer, accumulate: true)
        TuningMath.rmsNormBackward(
            a.xIn.pointer, weight: w.attentionNorm.pointer, eps: c.rmsNormEps, rows: rows, dim: h,
            dy: ws.dNorm.pointer, addInto: dx)
    }

    /// On entry `ws.dQuery` holds d(attention output); on exit d(rotated queries), and `ws.dKey` / `ws.dValue` hold
    /// d(rotated keys) / d(values).
    private static func attentionBackward(
        _ c: DecoderConfig, _ a: TrainingWorkspace.LayerActivations, sequences b: Int,
        length n: Int, ws: TrainingWorkspace
    ) {
        let d = c.headDim, qd = c.queryDim, kvd = c.kvDim, group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(d).squareRoot()
        let rows = b * n
        ws.dKey.pointer.update(repeating: 0, count: rows * kvd)
        ws.dValue.pointer.update(repeating: 0, count: rows * kvd)
        let dS = ws.dScores.pointer
        for s in 0..<b {
            for head in 0..<c.headCount {
                let kv = head / group
                let q = a.q.pointer + s * n * qd + head * d
                let k = a.k.pointer + s * n * kvd + kv * d
                let v = a.v.pointer + s * n * kvd + kv * d
                let p = a.probs.pointer + (s * c.headCount + head) * n * n
                let dOut = ws.dQuery.pointer + s * n * qd + head * d // becomes dQ of this head
                let dK = ws.dKey.pointer + s * n * kvd + kv * d
                let dV = ws.dValue.pointer + s * n * kvd + kv * d
                // dP = dOut · Vᵀ ; dV += Pᵀ · dOut
                TuningMath.gemm(transB: true, m: n, n: n, k: d, a: dOut, lda: qd, b: v, ldb: kvd, c: dS, ldc: n)
                TuningMath.gemm(
                    transA: true, m: n, n: d, k: n, a: p, lda: n, b: dOut, ldb: qd, beta: 1, c: dV, ldc: kvd)
                // softmax backward (masked entries have P = 0 and get 0), times the score scale.
                for r in 0..<n {
                    let pr = p + r * n, dr = dS + r * n
                    var dot: Float = 0
                    for j in 0...r { dot += pr[j] * dr[j] }
                    for j in 0...r { dr[j] = pr[j] * (dr[j] - dot) * scale }
                    for j in (r + 1)..<n { dr[j] = 0 }
                }
                // dQ = dS · K (overwrites this head's dOut, no longer needed) ; dK += dSᵀ · Q
                TuningMath.gemm(m: n, n: d, k: n, a: dS, lda: n, b: k, ldb: kvd, c: dOut, ldc: qd)
                TuningMath.gemm(transA: true, m: n, n: d, k: n, a: dS, lda: n, b: q, ldb: qd, beta: 1, c: dK, ldc: kvd)
            }
        }
    }
}
