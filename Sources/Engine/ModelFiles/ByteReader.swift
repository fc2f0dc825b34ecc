/// A bounds-checked little-endian cursor over a byte buffer. Every read checks the remaining length first,
/// so a hostile length or count becomes `ModelFileError.truncated`, never an out-of-bounds read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func require(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else {
            throw ModelFileError.truncated(
                path: path, what: what, offset: offset, needed: n, available: max(0, remaining))
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        try require(MemoryLayout<T>.size, what)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func u8(_ what: String) throws -> UInt8 { try load(UInt8.self, what) }
    mutating func u32(_ what: String) throws -> UInt32 { try load(UInt32.self, what) }
    mutating func u64(_ what: String) throws -> UInt64 { try load(UInt64.self, what) }

    mutating func f32(_ what: String) throws -> Float { Float(bitPattern: try u32(what)) }
    mutating func f64(_ what: String) throws -> Double { Double(bitPattern: try u64(what)) }

    /// A count stored as u64, checked to fit in `Int` and to be at most `limit`.
    mutating func count(_ what: String, limit: Int) throws -> Int {
        let raw = try u64(what)
        guard raw <= UInt64(limit) else {
            throw ModelFileError.invalidHeader(
                path: path, reason: "\(what) \(raw) exceeds the limit \(limit) at offset \(offset - 8)")
        }
        return Int(raw)
    }

    mutating func raw(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        try require(n, what)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        offset += n
        return slice
    }

    mutating func skip(_ n: Int, _ what: String) throws {
        try require(n, what)
        offset += n
    }
}
