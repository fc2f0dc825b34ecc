import Foundation

/// Little-endian binary encoding for aligner state (no Foundation archivers: stable, compact, versioned).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []
    mutating func int(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func double(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        int(u.count)
        bytes.append(contentsOf: u)
    }
    mutating func int32s(_ a: [Int32]) {
        int(a.count)
        for v in a { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    }
    mutating func doubles(_ a: [Double]) {
        int(a.count)
        for v in a { double(v) }
    }
    mutating func ints(_ a: [Int]) {
        int(a.count)
        for v in a { int(v) }
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
        guard n >= 0, n <= bytes.count - offset + 1 else { throw AlignmentError.invalidState("bad length \(n) at byte \(offset - 8)") }
        return n
    }
    mutating func double() throws -> Double { Double(bitPattern: try raw64()) }
    mutating func string() throws -> String {
        let n = try count()
        return String(decoding: try take(n), as: UTF8.self)
    }
    mutating func int32s() throws -> [Int32] {
        let n = try count()
        let s = try take(4 * n)
        var out = [Int32](repeating: 0, count: n)
        var k = s.startIndex
        for i in 0..<n {
            out[i] = Int32(bitPattern: UInt32(s[k]) | UInt32(s[k + 1]) << 8 | UInt32(s[k + 2]) << 16 | UInt32(s[k + 3]) << 24)
            k += 4
        }
        return out
    }
    mutating func doubles() throws -> [Double] {
        let n = try count()
        guard 8 * n <= bytes.count - offset else { throw AlignmentError.invalidState("truncated array at byte \(offset)") }
        return try (0..<n).map { _ in try double() }
    }
    mutating func ints() throws -> [Int] {
        let n = try count()
        guard 8 * n <= bytes.count - offset else { throw AlignmentError.invalidState("truncated array at byte \(offset)") }
        return try (0..<n).map { _ in try int() }
    }
    mutating func strings() throws -> [String] {
        let n = try count()
        return try (0..<n).map { _ in try string() }
    }
}
