/// Gradients of the mean loss with respect to the trainable tables: dense buffers the size of the input table and
/// (untied) the head, plus the input rows that received a gradient this step (the batch's tokens, and with a tied
/// head every head row). `reset()` zeroes only what was touched.
final class TuningGradients {
    let embedding: FloatBuffer
    let head: FloatBuffer?
    let columns: Int
    private var touched: [Bool]
    private(set) var touchedRows: [Int] = []

    init(model: TuningModel) {
        let c = model.config
        columns = c.hiddenSize
        embedding = FloatBuffer(count: c.inputVocabularySize * c.hiddenSize)
        head = model.hasUntiedHead ? FloatBuffer(count: c.outputVocabularySize * c.hiddenSize) : nil
        touched = Array(repeating: false, count: c.inputVocabularySize)
    }

    func touch(_ row: Int) {
        if !touched[row] {
            touched[row] = true
            touchedRows.append(row)
        }
    }

    /// Touched rows in increasing order (the optimizer's update order, so results do not depend on batch order).
    func sortedTouchedRows() -> [Int] { touchedRows.sorted() }

    func reset() {
        for r in touchedRows {
            (embedding.pointer + r * columns).update(repeating: 0, count: columns)
            touched[r] = false
        }
        touchedRows.removeAll(keepingCapacity: true)
        head?.zero()
    }
}
