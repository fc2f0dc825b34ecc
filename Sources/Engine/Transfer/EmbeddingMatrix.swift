/// A dense row-major Float32 matrix: one row per token (embedding table or LM head).
public struct EmbeddingMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) throws(TransferError) {
        guard rows >= 0, columns > 0, values.count == rows * columns else {
            throw .shapeMismatch("\(values.count) values for \(rows) × \(columns)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(zeros rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        values = Array(repeating: 0, count: rows * columns)
    }

    public func row(_ i: Int) -> ArraySlice<Float> { values[(i * columns)..<((i + 1) * columns)] }

    /// Rows `self` then `other` (Hydra's input table).
    public func stacked(on other: EmbeddingMatrix) throws(TransferError) -> EmbeddingMatrix {
        guard other.columns == columns else { throw .shapeMismatch("stacking \(columns) and \(other.columns) columns") }
        return try EmbeddingMatrix(rows: rows + other.rows, columns: columns, values: values + other.values)
    }
}
