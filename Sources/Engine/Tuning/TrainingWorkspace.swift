/// Buffers of one training step for up to `capacity.sequences` sequences of up to `capacity.length` tokens: the
/// activations the backward pass reads (per layer: the residual input, rotated queries and keys, values, attention
/// probabilities, attention output, mid-layer residual, MLP gate and up projections), the logits, and scratch for
/// the gradients. Allocated once per tuner and reused.
final class TrainingWorkspace {
    struct LayerActivations {
        let xIn, q, k, v, probs, attention, xMid, gate, up: FloatBuffer
    }

    let sequences: Int
    let length: Int
    let layers: [LayerActivations]
    let x, norm, mlpOut, finalNormed, logits: FloatBuffer
    let dx, dNorm, dQuery, dKey, dValue, dScores, dMLP: FloatBuffer
    let cos, sin: FloatBuffer

    /// `forwardOnly`: every layer shares one set of activation buffers and there are no logits (enough for
    /// `TrainingPass.normedStates`, not for a loss or a backward pass).
    init(config c: DecoderConfig, sequences: Int, length: Int, forwardOnly: Bool = false) {
        self.sequences = sequences
        self.length = length
        let rows = sequences * length
        let h = c.hiddenSize, qd = c.queryDim, kvd = c.kvDim, ff = c.intermediateSize
        func activations() -> LayerActivations {
            LayerActivations(
                xIn: FloatBuffer(count: rows * h), q: FloatBuffer(count: rows * qd), k: FloatBuffer(count: rows * kvd),
                v: FloatBuffer(count: rows * kvd), probs: FloatBuffer(count: sequences * c.headCount * length * length),
                attention: FloatBuffer(count: rows * qd), xMid: FloatBuffer(count: rows * h),
                gate: FloatBuffer(count: rows * ff), up: FloatBuffer(count: rows * ff))
        }
        if forwardOnly {
            let shared = activations()
            layers = Array(repeating: shared, count: c.layerCount)
        } else {
            layers = (0..<c.layerCount).map { _ in activations() }
        }
        x = FloatBuffer(count: rows * h)
        norm = FloatBuffer(count: rows * h)
        mlpOut = FloatBuffer(count: rows * ff)
        finalNormed = FloatBuffer(count: rows * h)
        logits = FloatBuffer(count: forwardOnly ? 1 : rows * c.outputVocabularySize)
        dx = FloatBuffer(count: rows * h)
        dNorm = FloatBuffer(count: rows * h)
        dQuery = FloatBuffer(count: rows * qd)
        dKey = FloatBuffer(count: rows * kvd)
        dValue = FloatBuffer(count: rows * kvd)
        dScores = FloatBuffer(count: length * length)
        dMLP = FloatBuffer(count: rows * ff)
        cos = FloatBuffer(count: length * c.headDim / 2)
        sin = FloatBuffer(count: length * c.headDim / 2)
    }

    func fits(_ batch: TokenBatch) -> Bool { batch.count <= sequences && batch.length <= length }
}
