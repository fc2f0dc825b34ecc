import Foundation
import Hashing
import Testing
@testable import Sync

@Suite struct ChunkerTests {
    func hashes(_ path: String, _ policy: ChunkingPolicy) throws -> [(String, Int64)] {
        let f = try OpenFile(path: path)
        return try Chunker.spans(for: f, policy: policy).map { (try f.sha256(offset: $0.offset, length: $0.length), $0.length) }
    }

    @Test func safetensorsSpansTileTheFileAtTensorBoundaries() throws {
        let tmp = TempDir()
        CheckpointFixture().write(to: tmp.path)
        let f = try OpenFile(path: tmp.path + "/model.safetensors")
        let policy = ChunkingPolicy(targetSize: 256 << 10)
        let spans = try Chunker.spans(for: f, policy: policy)
        var cursor: Int64 = 0
        for s in spans {
            #expect(s.offset == cursor)
            #expect(s.length > 0)
            cursor += s.length
        }
        #expect(cursor == f.size)
        let layout = try SafetensorsLayout.read(f)
        #expect(spans[0] == ChunkSpan(offset: 0, length: layout.dataStart))
        // Spans inside the embedding are whole rows (dim 256 × 2 bytes).
        let embed = try #require(layout.tensors.first { $0.name == "model.embed_tokens.weight" })
        for s in spans where s.offset >= layout.dataStart + embed.begin && s.offset < layout.dataStart + embed.end {
            #expect((s.offset - layout.dataStart - embed.begin) % 512 == 0)
        }
    }

    @Test func embeddingRefreshChangesFewChunks() throws {
        let a = TempDir(), b = TempDir()
        let fixture = CheckpointFixture()
        fixture.write(to: a.path)
        fixture.write(to: b.path, refreshRows: 1000..<1100)
        let policy = ChunkingPolicy(targetSize: 128 << 10)
        let before = try hashes(a.path + "/model.safetensors", policy)
        let after = try hashes(b.path + "/model.safetensors", policy)
        let known = Set(before.map(\.0))
        let changed = after.filter { !known.contains($0.0) }.reduce(Int64(0)) { $0 + $1.1 }
        let total = after.reduce(Int64(0)) { $0 + $1.1 }
        #expect(changed > 0)
        // Rows 1000..<1100 of 256-row chunks touch two chunks in each of the two refreshed tensors; nothing else.
        #expect(changed == 4 * (128 << 10), "changed \(changed) of \(total)")
        #expect(total > 4 << 20)
    }

    @Test func contentDefinedChunksSurviveAnInsertion() throws {
        let tmp = TempDir()
        let data = testBytes(3 << 20, seed: 4)
        let a = tmp.write("a.bin", data)
        let b = tmp.write("b.bin", Array("inserted at the front".utf8) + data)
        let policy = ChunkingPolicy(targetSize: 64 << 10)
        let ha = try hashes(a, policy), hb = try hashes(b, policy)
        #expect(ha.count > 20)
        let shared = Set(ha.map(\.0)).intersection(hb.map(\.0)).count
        #expect(shared >= ha.count - 2, "shared \(shared) of \(ha.count)")
        // Fixed-size chunks would share nothing after a shift.
        let fixed = ChunkingPolicy(targetSize: 64 << 10, safetensorsAware: false, contentDefined: false)
        #expect(Set(try hashes(a, fixed).map(\.0)).intersection(try hashes(b, fixed).map(\.0)).isEmpty)
    }

    @Test func smallFilesAreOneChunk() throws {
        let tmp = TempDir()
        let p = tmp.write("c.json", Array("{}".utf8))
        #expect(try Chunker.spans(for: OpenFile(path: p), policy: ChunkingPolicy()) == [ChunkSpan(offset: 0, length: 2)])
    }

    @Test func manifestRejectsEscapingPathsAndBadHashes() throws {
        let good = String(repeating: "a", count: 64)
        func json(_ path: String, _ hash: String) -> [UInt8] {
            Array("""
                {"format":"transtok-checkpoint-v1","checkpoint":"1","files":[{"path":"\(path)","size":1,"sha256":"\(good)",
                "chunks":[{"sha256":"\(hash)","size":1}]}]}
                """.utf8)
        }
        #expect(throws: SyncError.self) { try CheckpointManifest.decode(json("../etc/passwd", good)) }
        #expect(throws: SyncError.self) { try CheckpointManifest.decode(json("/abs", good)) }
        #expect(throws: SyncError.self) { try CheckpointManifest.decode(json("ok", "XYZ")) }
        #expect(try CheckpointManifest.decode(json("sub/ok.bin", good)).files.count == 1)
    }
}
