/// The JSON text of a `TokenMapping`, written directly: Foundation's `JSONEncoder` spent seconds of every daemon
/// refresh on tens of thousands of small arrays. The text is what `JSONDecoder` reads back as the same mapping
/// (`Codable` keys, sorted as `JSONEncoder`'s `.sortedKeys` would): `{"rows":[{"origin":…,"sources":[…],
/// "weights":[…]},…],"sourceVocabularySize":…}`. Weights are written with `Float.description`, the shortest
/// text that reads back as the same Float.
enum TokenMappingJSON {
    static func encode(_ mapping: TokenMapping) throws(TransferError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + mapping.rows.count * 64)
        out.append(contentsOf: #"{"rows":["#.utf8)
        for (t, row) in mapping.rows.enumerated() {
            if t > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"origin":""#.utf8)
            // Origins are plain identifiers: nothing to escape.
            out.append(contentsOf: row.origin.rawValue.utf8)
            out.append(contentsOf: #"","sources":["#.utf8)
            for (k, s) in row.sources.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendInteger(s, to: &out)
            }
            out.append(contentsOf: #"],"weights":["#.utf8)
            for (k, w) in row.weights.enumerated() {
                // JSON has no NaN or infinity (JSONEncoder refuses them too).
                guard w.isFinite else { throw .malformedMapping("row \(t): weight \(w) is not finite") }
                if k > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: w.description.utf8)
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: #"],"sourceVocabularySize":"#.utf8)
        appendInteger(mapping.sourceVocabularySize, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Decimal digits without allocating a String per number.
    private static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }
}
