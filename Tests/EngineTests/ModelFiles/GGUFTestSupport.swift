import Foundation

@testable import Engine

/// Builds GGUF bytes by hand, so tests can craft valid and hostile headers.
struct GGUFBuilder {
    struct Tensor {
        var name: String
        var dims: [UInt64] // GGUF order: innermost first
        var type: UInt32
        var offset: UInt64
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var kv: [(String, UInt32, [UInt8])] = []
    var tensors: [Tensor] = []
    var tensorCountOverride: UInt64?
    var kvCountOverride: UInt64?
    var alignment = 32
    var data: [UInt8] = []

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func str(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    mutating func add(_ key: String, u32 v: UInt32) { kv.append((key, 4, Self.le(v))) }
    mutating func add(_ key: String, string v: String) { kv.append((key, 8, Self.str(v))) }
    mutating func add(_ key: String, type: UInt32, raw: [UInt8]) { kv.append((key, type, raw)) }

    func bytes() -> [UInt8] {
        var out = magic + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count))
        out += Self.le(kvCountOverride ?? UInt64(kv.count))
        for (k, t, v) in kv { out += Self.str(k) + Self.le(t) + v }
        for t in tensors {
            out += Self.str(t.name) + Self.le(UInt32(t.dims.count))
            for d in t.dims { out += Self.le(d) }
            out += Self.le(t.type) + Self.le(t.offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        return out + data
    }

    func write(_ name: String = "t.gguf") throws -> String {
        let dir = try TestScratch.directory("gguf")
        let url = dir.appendingPathComponent(name)
        try Data(bytes()).write(to: url)
        return url.path
    }
}

func writeTemp(_ bytes: [UInt8], name: String = "f.bin") throws -> String {
    let dir = try TestScratch.directory("mf")
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

func loadJSONFixture(_ relative: String) throws -> JSONValue {
    let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(relative)))
    return try JSONValue.parse(bytes: [UInt8](data))
}

func bitPatterns(_ v: JSONValue?) -> [UInt32] {
    (v?.array ?? []).compactMap { $0.int.map { UInt32(truncatingIfNeeded: $0) } }
}

extension Array where Element == Float {
    var bitPatterns: [UInt32] { map(\.bitPattern) }
}
