import Foundation
import Testing

@testable import Engine

/// Crafted, truncated and randomly mutated safetensors headers give a ModelFileError, never a crash.
@Suite("ModelFiles: hostile safetensors")
struct ModelFilesSafetensorsHostileTests {
    static func file(_ header: String, data: Int, headerLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        return withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian, Array.init) + h
            + [UInt8](repeating: 0, count: data)
    }

    func parse(_ bytes: [UInt8]) throws -> SafetensorsHeader {
        try bytes.withUnsafeBytes { try SafetensorsHeader.parse($0, path: "mem") }
    }

    func expectInvalid(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(bytes)
            Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
        } catch let e as ModelFileError {
            #expect(e.description.contains(fragment), "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    static let a = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#

    @Test func baseline() throws {
        let h = try parse(Self.file("{\(Self.a)}", data: 8))
        #expect(h.entries.map(\.info.name) == ["a"])
    }

    @Test func headerLengthAndJSON() {
        expectInvalid(Self.file("{}", data: 0, headerLength: 200_000_000), "exceeds")
        expectInvalid(Self.file("{}", data: 0, headerLength: 50), "truncated JSON header")
        expectInvalid([1, 2, 3], "truncated header length")
        expectInvalid(Self.file("[1]", data: 0), "does not start with '{'")
        expectInvalid(Self.file("{\"a\":", data: 0), "JSON error")
        expectInvalid(Self.file("{\(Self.a),\(Self.a)}", data: 8), "duplicate key")
        expectInvalid(Self.file("{\(Self.a)} x", data: 8), "trailing")
        expectInvalid(
            Self.file(String(repeating: "{\"a\":", count: 50) + "1" + String(repeating: "}", count: 50), data: 0),
            "nesting")
    }

    @Test func entryFields() {
        expectInvalid(Self.file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8), "needs 12 bytes")
        expectInvalid(Self.file(#"{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}"#, data: 8), "F8_E4M3")
        expectInvalid(Self.file(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: 8), "bad dimension")
        expectInvalid(Self.file(#"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, data: 8), "bad dimension")
        expectInvalid(
            Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: 8), "bad data_offsets")
        expectInvalid(Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: 8), "bad data_offsets")
        expectInvalid(
            Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, data: 8), "unknown field")
        expectInvalid(Self.file(#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: 8), "no dtype")
        expectInvalid(
            Self.file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: 8),
            "overflows")
        expectInvalid(
            Self.file(
                #"{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}"#, data: 4),
            "dimensions")
        expectInvalid(Self.file(#"{"__metadata__":{"k":1},"#.appending(Self.a + "}"), data: 8), "not a string")
        expectInvalid(
            Self.file(#"{"__metadata__":[],"#.appending(Self.a + "}"), data: 8), "__metadata__ is not an object")
    }

    @Test func layoutOfTheDataSection() {
        let b = #""b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}"#
        let gap = #""b":{"dtype":"U8","shape":[4],"data_offsets":[10,14]}"#
        let overlap = #""b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}"#
        #expect(throws: Never.self) { _ = try parse(Self.file("{\(Self.a),\(b)}", data: 12)) }
        expectInvalid(Self.file("{\(Self.a),\(gap)}", data: 14), "gap before tensor 'b'")
        expectInvalid(Self.file("{\(Self.a),\(overlap)}", data: 8), "overlaps")
        expectInvalid(Self.file("{\(Self.a),\(b)}", data: 11), "truncated data of tensor 'b'")
        expectInvalid(Self.file("{\(Self.a),\(b)}", data: 20), "8 bytes after the last tensor")
        expectInvalid(
            Self.file(#"{"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#, data: 8), "gap before tensor 'b'")
    }

    /// Seeded mutations (byte flips, digit edits, truncations) of real headers: the fixture written by the
    /// safetensors library and, when present, MiniLM's 100-tensor header. Each either parses to a layout
    /// that tiles the data section, or throws ModelFileError.
    @Test func seededMutationsOfRealHeaders() throws {
        // (header bytes, file size): the parser reads only the header, the size fixes the data length.
        var sources: [([UInt8], Int)] = []
        let fixture = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("modelfiles/dtypes.safetensors"))))
        sources.append((fixture, fixture.count))
        let minilm = TestPaths.asset("minilm/model.safetensors")
        if TestPaths.assetAvailable("minilm/model.safetensors") { // under CI a missing MiniLM fails here
            let f = try MappedFile(path: minilm)
            let n = Int(f.bytes.loadUnaligned(as: UInt64.self))
            sources.append((Array(f.bytes[0..<(8 + n)]), f.count))
        }
        var rng = SplitMix64(seed: 42)
        var outcomes = (ok: 0, failed: 0)
        for (source, size) in sources {
            let headerEnd = 8 + Int(source.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            for iteration in 0..<1500 {
                let mode = rng.next() % 4
                var mutated = source
                var fileSize = size
                switch mode {
                case 0, 1: // change 1-3 bytes of the header (including the length prefix)
                    for _ in 0..<Int(rng.next() % 3 + 1) {
                        let i = Int(rng.next() % UInt64(headerEnd))
                        mutated[i] =
                            mode == 0
                            ? UInt8(truncatingIfNeeded: rng.next())
                            : Array("0123456789[]{},:\"-".utf8)[Int(rng.next() % 18)]
                    }
                case 2: // truncate anywhere in the file
                    fileSize = Int(rng.next() % UInt64(size))
                    mutated = Array(source[..<min(fileSize, source.count)])
                default: // junk after the data
                    fileSize = size + Int(rng.next() % 9 + 1)
                }
                do {
                    let h = try mutated.withUnsafeBytes {
                        try SafetensorsHeader.parse($0, path: "fuzz", fileSize: fileSize)
                    }
                    // A parse that succeeds must describe in-bounds ranges that tile the data section.
                    var end = h.dataStart
                    for e in h.entries {
                        #expect(e.range.lowerBound == end && e.range.upperBound <= fileSize, "iteration \(iteration)")
                        end = e.range.upperBound
                    }
                    #expect(end == fileSize)
                    outcomes.ok += 1
                } catch is ModelFileError {
                    outcomes.failed += 1
                }
            }
        }
        #expect(outcomes.failed > 1000)
        #expect(outcomes.ok + outcomes.failed == 1500 * sources.count)
    }

    @Test func shardedIndexValidation() throws {
        let dir = try TestScratch.directory("idx")
        try Data(Self.file("{\(Self.a)}", data: 8)).write(to: dir.appendingPathComponent("s1.safetensors"))
        func index(_ body: String) throws -> String {
            let p = dir.appendingPathComponent("model.safetensors.index.json")
            try Data(body.utf8).write(to: p)
            return p.path
        }
        #expect(
            try ShardedSafetensors(indexPath: try index(#"{"weight_map":{"a":"s1.safetensors"}}"#)).tensorNames == ["a"]
        )
        #expect(throws: ModelFileError.self) {
            try ShardedSafetensors(indexPath: try index(#"{"weight_map":{"a":"../s1.safetensors"}}"#))
        }
        #expect(throws: ModelFileError.self) {
            try ShardedSafetensors(indexPath: try index(#"{"weight_map":{"a":"s1.safetensors","z":"s1.safetensors"}}"#))
        }
        #expect(throws: ModelFileError.self) {
            try ShardedSafetensors(indexPath: try index(#"{"weight_map":{}}"#)).view("a")
        }
        #expect(throws: ModelFileError.self) {
            try ShardedSafetensors(indexPath: try index(#"{"weight_map":{"a":"missing.safetensors"}}"#))
        }
        #expect(throws: ModelFileError.self) { try ShardedSafetensors(indexPath: try index(#"{"weights":{}}"#)) }
    }
}
