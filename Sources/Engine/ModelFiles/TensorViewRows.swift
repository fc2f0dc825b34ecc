/// Row access on a zero-copy tensor view: decode only the rows needed (an embedding lookup from a quantised
/// GGUF table, a shard of a matrix) without converting the whole tensor.
extension TensorView {
    /// Elements per row (the last dimension; 1 for a scalar).
    public var rowLength: Int { info.shape.last ?? 1 }

    /// Number of rows (product of all but the last dimension).
    public var rowCount: Int { info.shape.isEmpty ? 1 : info.shape.dropLast().reduce(1, *) }

    /// Decode `rows` to Float32 into `out` (`rows.count × rowLength` elements).
    public func float32Rows(_ rows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>) throws {
        let dtype = info.dtype
        guard dtype.isFloatConvertible else {
            throw ModelFileError.unsupportedDType(name: info.name, dtype: dtype.rawValue)
        }
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount, out.count == rows.count * rowLength,
            rowLength % dtype.block.elements == 0, let rowBytes = dtype.byteCount(elements: rowLength),
            rowBytes * rowCount == bytes.count
        else {
            throw ModelFileError.shapeMismatch(
                name: info.name, expected: [rows.lowerBound, rows.upperBound, rowLength], elementCount: out.count)
        }
        guard !rows.isEmpty else { return }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
        FloatConversion.decode(slice, dtype: dtype, into: out)
    }

    /// One row as Float32.
    public func float32Row(_ row: Int) throws -> [Float] {
        let n = rowLength
        var out = [Float](repeating: 0, count: n)
        try out.withUnsafeMutableBufferPointer { try float32Rows(row..<(row + 1), into: $0) }
        return out
    }
}
