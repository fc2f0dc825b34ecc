/// Replacing some trainable rows of a tuner: a caller that recomputed rows from a new token mapping (the daemon's
/// refresh cycle, `TunedRowCarry`) re-initialises the rows whose mapping changed materially (new values, zeroed Adam
/// moments: they train from the new initialisation) and moves the others by the change of their initialisation
/// (new values, moments kept); every other row keeps its tuned values and moments.
extension EmbeddingTuner {
    /// Copies rows `ids` of `embedding` (and, for an untied head, of `head`) into the model's tables and zeroes their
    /// moments. Ids outside the trainable input rows leave the input table alone (the head row is still reset);
    /// tables of another shape are refused, naming the tensor.
    public func resetRows(_ ids: [Int], embedding: EmbeddingMatrix, head: EmbeddingMatrix?) throws {
        try replaceRows(ids, embedding: embedding, head: head, resetMoments: true)
    }

    /// Copies rows `ids` of `embedding` (and, for an untied head, of `head`) into the model's tables; their moments
    /// are zeroed when `resetMoments`, else kept. Same rules as `resetRows`.
    public func replaceRows(_ ids: [Int], embedding: EmbeddingMatrix, head: EmbeddingMatrix?, resetMoments: Bool)
        throws
    {
        let c = model.config, h = c.hiddenSize
        guard embedding.rows == c.inputVocabularySize, embedding.columns == h else {
            throw TuningError.shapeMismatch(
                tensor: "model.embed_tokens.weight", expected: [c.inputVocabularySize, h],
                found: [embedding.rows, embedding.columns])
        }
        if model.hasUntiedHead {
            guard let head, head.rows == c.outputVocabularySize, head.columns == h else {
                throw TuningError.shapeMismatch(
                    tensor: "lm_head.weight", expected: [c.outputVocabularySize, h],
                    found: head.map { [$0.rows, $0.columns] } ?? [])
            }
        }
        let trainable = model.trainableInputRows
        embedding.values.withUnsafeBufferPointer { source in
            for id in ids where trainable.contains(id) {
                for j in 0..<h { model.embedding.pointer[id * h + j] = source[id * h + j] }
                guard resetMoments else { continue }
                let local = (id - trainable.lowerBound) * h
                (state.inputFirstMoment.pointer + local).update(repeating: 0, count: h)
                (state.inputSecondMoment.pointer + local).update(repeating: 0, count: h)
            }
        }
        if let head, let table = model.head, let m = state.headFirstMoment, let v = state.headSecondMoment {
            head.values.withUnsafeBufferPointer { source in
                for id in ids where id >= 0 && id < c.outputVocabularySize {
                    for j in 0..<h { table.pointer[id * h + j] = source[id * h + j] }
                    guard resetMoments else { continue }
                    (m.pointer + id * h).update(repeating: 0, count: h)
                    (v.pointer + id * h).update(repeating: 0, count: h)
                }
            }
        }
    }

    /// Ids of the trainable input rows (and untied head rows) whose values differ from `embedding`/`head`.
    public func rowsDiffering(from embedding: EmbeddingMatrix, head: EmbeddingMatrix?) -> [Int] {
        let c = model.config, h = c.hiddenSize
        guard embedding.rows == c.inputVocabularySize, embedding.columns == h else {
            return Array(model.trainableInputRows)
        }
        var differing = Set<Int>()
        embedding.values.withUnsafeBufferPointer { source in
            for id in model.trainableInputRows {
                for j in 0..<h where model.embedding.pointer[id * h + j] != source[id * h + j] {
                    differing.insert(id)
                    break
                }
            }
        }
        if let head, let table = model.head, head.rows == c.outputVocabularySize, head.columns == h {
            head.values.withUnsafeBufferPointer { source in
                for id in 0..<c.outputVocabularySize where !differing.contains(id) {
                    for j in 0..<h where table.pointer[id * h + j] != source[id * h + j] {
                        differing.insert(id)
                        break
                    }
                }
            }
        }
        return differing.sorted()
    }
}
