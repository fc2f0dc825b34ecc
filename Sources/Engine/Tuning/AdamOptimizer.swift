import Foundation

/// Adam(W) hyper-parameters for the embedding rows.
public struct AdamOptions: Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled weight decay (AdamW), pulling rows towards zero; 0 = plain Adam.
    public var weightDecay: Float
    /// Clip the global gradient norm of a step to this value (nil = no clipping).
    public var maxGradientNorm: Float?

    public init(
        learningRate: Float = 2e-3, beta1: Float = 0.9, beta2: Float = 0.99, epsilon: Float = 1e-8,
        weightDecay: Float = 0, maxGradientNorm: Float? = 1
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.maxGradientNorm = maxGradientNorm
    }

    func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw TuningError.invalidOptions("learning rate must be positive, found \(learningRate)")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw TuningError.invalidOptions("Adam betas must be in [0, 1), found \(beta1), \(beta2)")
        }
        guard epsilon > 0, weightDecay >= 0 else {
            throw TuningError.invalidOptions("Adam epsilon must be positive and weight decay non-negative")
        }
        if let m = maxGradientNorm, !(m > 0) {
            throw TuningError.invalidOptions("max gradient norm must be positive, found \(m)")
        }
    }
}

/// Adam moments of the trainable rows (`trainableInputRows` of the input table, and the whole untied head), the
/// step count, and how many tokens the rows have seen. Rows without a gradient in a step are left alone (sparse
/// update, bias correction from the global step as torch's `SparseAdam`).
public final class AdamState: @unchecked Sendable {
    public internal(set) var step: Int
    public internal(set) var tokensSeen: Int
    let columns: Int
    let inputRows: Range<Int>
    let inputFirstMoment: FloatBuffer, inputSecondMoment: FloatBuffer
    let headFirstMoment: FloatBuffer?, headSecondMoment: FloatBuffer?

    init(model: TuningModel) {
        let c = model.config
        step = 0
        tokensSeen = 0
        columns = c.hiddenSize
        inputRows = model.trainableInputRows
        inputFirstMoment = FloatBuffer(count: inputRows.count * columns)
        inputSecondMoment = FloatBuffer(count: inputRows.count * columns)
        headFirstMoment = model.hasUntiedHead ? FloatBuffer(count: c.outputVocabularySize * columns) : nil
        headSecondMoment = model.hasUntiedHead ? FloatBuffer(count: c.outputVocabularySize * columns) : nil
    }

    init(
        step: Int, tokensSeen: Int, columns: Int, inputRows: Range<Int>, inputFirst: FloatBuffer,
        inputSecond: FloatBuffer,
        headFirst: FloatBuffer?, headSecond: FloatBuffer?
    ) {
        self.step = step
        self.tokensSeen = tokensSeen
        self.columns = columns
        self.inputRows = inputRows
        inputFirstMoment = inputFirst
        inputSecondMoment = inputSecond
        headFirstMoment = headFirst
        headSecondMoment = headSecond
    }

    /// Applies one Adam(W) step with `gradients` to `model`'s tables; returns the gradient norm before clipping.
    @discardableResult
    func apply(_ gradients: TuningGradients, to model: TuningModel, options o: AdamOptions, scoredTokens: Int) -> Float
    {
        let rows = gradients.sortedTouchedRows()
        let h = columns
        // Global gradient norm (over the rows that have one, and the head).
        var squares: Double = 0
        for r in rows {
            squares += TuningMath.squaredNorm(gradients.embedding.pointer + r * h, count: h)
        }
        if let head = gradients.head { squares += TuningMath.squaredNorm(head.pointer, count: head.count) }
        let norm = Float(squares.squareRoot())
        let clip: Float = o.maxGradientNorm.map { norm > $0 ? $0 / norm : 1 } ?? 1
        step += 1
        tokensSeen += scoredTokens
        let t = Float(step)
        let correction1 = 1 - powf(o.beta1, t), correction2 = 1 - powf(o.beta2, t)
        let stepSize = o.learningRate / correction1
        let decay = 1 - o.learningRate * o.weightDecay

        func update(
            _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
            _ v: UnsafeMutablePointer<Float>, _ count: Int
        ) {
            for i in 0..<count {
                let gi = g[i] * clip
                m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi
                v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi
                p[i] = p[i] * decay - stepSize * m[i] / ((v[i] / correction2).squareRoot() + o.epsilon)
            }
        }
        let inputBase = inputRows.lowerBound
        rows.withUnsafeBufferPointer { rows in
            TuningMath.parallelChunks(rows.count, minimumChunk: 64) { chunk in
                for k in chunk {
                    let r = rows[k], local = (r - inputBase) * h
                    update(
                        model.embedding.pointer + r * h, gradients.embedding.pointer + r * h,
                        inputFirstMoment.pointer + local, inputSecondMoment.pointer + local, h)
                }
            }
        }
        if let head = model.head, let g = gradients.head, let m = headFirstMoment, let v = headSecondMoment {
            let vocab = model.config.outputVocabularySize
            TuningMath.parallelChunks(vocab, minimumChunk: 256) { chunk in
                let lo = chunk.lowerBound * h
                update(head.pointer + lo, g.pointer + lo, m.pointer + lo, v.pointer + lo, chunk.count * h)
            }
        }
        return norm
    }
}
