import Foundation

/// Little-endian binary encoding for aligner state (no Foundation archivers: stable, compact, versioned).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []
    mutating func int(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func double(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        int(u.count)
        bytes.append(contentsOf: u)
    }
    mutating func int32s(_ a: [Int32]) {
        int(a.count)
        #if _endian(little)
            a.withUnsafeBytes { bytes.append(contentsOf: $0) } // the in-memory layout is the encoding: one copy
        #else
            for v in a { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        #endif
    }
    mutating func doubles(_ a: [Double]) {
        int(a.count)
        #if _endian(little)
            a.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
            for v in a { double(v) }
        #endif
    }
    mutating func ints(_ a: [Int]) {
        int(a.count)
        #if _endian(little) && (arch(x86_64) || arch(arm64))
            a.withUnsafeBytes { bytes.append(contentsOf: $0) } // Int is 64-bit here
        #else
            for v in a { int(v) }
        #endif
    }
    mutating func strings(_ a: [String]) {
        int(a.count)
        for s in a { string(s) }
    }
}

struct AlignmentByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else {
            throw AlignmentError.invalidState("truncated state at byte \(offset) (wanted \(n) more of \(bytes.count))")
        }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }
    private mutating func raw64() throws -> UInt64 {
        var v: UInt64 = 0
        for (k, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
        return v
    }
    mutating func int() throws -> Int { Int(Int64(bitPattern: try raw64())) }
    mutating func count() throws -> Int {
        let n = try int()
        guard n >= 0, n <= bytes.count - offset + 1 else {
            throw AlignmentError.invalidState("bad length \(n) at byte \(offset - 8)")
        }
        return n
    }
    /// A finite double (no state field may be NaN or infinite: they would poison every count they touch).
    mutating func double() throws -> Double {
        let value = Double(bitPattern: try raw64())
        guard value.isFinite else { throw AlignmentError.invalidState("non-finite number at byte \(offset - 8)") }
        return value
    }
    /// The diagonal tension, which the aligner keeps in 0.1…14.
    mutating func tension() throws -> Double {
        let value = try double()
        guard (0.1...14).contains(value) else { throw AlignmentError.invalidState("tension \(value) out of range") }
        return value
    }
    /// A finite, non-negative double array (expected counts).
    mutating func counts() throws -> [Double] {
        let values = try doubles()
        guard values.allSatisfy({ $0 >= 0 && $0 < 1e15 }) else { // 1e15: far beyond any corpus, inside fixed point
            throw AlignmentError.invalidState("a count is negative, non-finite or absurd near byte \(offset)")
        }
        return values
    }
    mutating func string() throws -> String {
        let n = try count()
        return String(decoding: try take(n), as: UTF8.self)
    }
    mutating func int32s() throws -> [Int32] {
        let n = try count()
        let s = try take(4 * n)
        #if _endian(little)
            return Self.copy(s, as: Int32.self, count: n)
        #else
            var out = [Int32](repeating: 0, count: n)
            var k = s.startIndex
            for i in 0..<n {
                out[i] = Int32(
                    bitPattern: UInt32(s[k]) | UInt32(s[k + 1]) << 8 | UInt32(s[k + 2]) << 16 | UInt32(s[k + 3]) << 24)
                k += 4
            }
            return out
        #endif
    }
    mutating func doubles() throws -> [Double] {
        let n = try count()
        guard 8 * n <= bytes.count - offset else {
            throw AlignmentError.invalidState("truncated array at byte \(offset)")
        }
        #if _endian(little)
            return Self.copy(try take(8 * n), as: Double.self, count: n)
        #else
            return try (0..<n).map { _ in try double() }
        #endif
    }
    mutating func ints() throws -> [Int] {
        let n = try count()
        guard 8 * n <= bytes.count - offset else {
            throw AlignmentError.invalidState("truncated array at byte \(offset)")
        }
        #if _endian(little) && (arch(x86_64) || arch(arm64))
            return Self.copy(try take(8 * n), as: Int.self, count: n)
        #else
            return try (0..<n).map { _ in try int() }
        #endif
    }

    /// `count` little-endian values of `type` from `slice` (whose length was checked), with one memcpy.
    private static func copy<T: FixedWidthInteger & BitwiseCopyable>(
        _ slice: ArraySlice<UInt8>, as type: T.Type, count: Int
    ) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            slice.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
    }
    private static func copy(_ slice: ArraySlice<UInt8>, as type: Double.Type, count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            slice.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
    }
    mutating func strings() throws -> [String] {
        let n = try count()
        return try (0..<n).map { _ in try string() }
    }
}
