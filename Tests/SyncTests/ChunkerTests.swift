import Foundation
import Hashing
import Testing

@testable import Sync

@Suite struct ChunkerTests {
    func hashes(_ path: String, _ policy: ChunkingPolicy) throws -> [(String, Int64)] {
        let f = try OpenFile(path: path)
        return try Chunker.spans(for: f, policy: policy).map {
            (try f.sha256(offset: $0.offset, length: $0.length), $0.length)
        }
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
        // Row tables are cut every 64 KiB = 128 rows of 512 bytes: rows 1000..<1100 touch two chunks (896..<1024,
        // 1024..<1152) in each of the two refreshed tensors; nothing else.
        #expect(policy.embeddingChunkSize == 64 << 10)
        #expect(changed == 4 * (64 << 10), "changed \(changed) of \(total)")
        #expect(total > 4 << 20)
    }

    /// 1% of the rows, spread evenly (every 100th row) over both row tables of a checkpoint where they are a third
    /// of the bytes: the default policy rewrites ≤ 15% of the bytes; cutting the tables like other tensors (4 MiB)
    /// would rewrite all of both tables.
    @Test func scatteredEmbeddingRefreshChangesLittleWithDefaultPolicy() throws {
        let a = TempDir(), b = TempDir()
        let fixture = CheckpointFixture.scatteredRefresh
        fixture.write(to: a.path)
        fixture.write(to: b.path, scatteredRows: CheckpointFixture.everyHundredthRow(vocab: fixture.vocab))
        func changedFraction(_ policy: ChunkingPolicy) throws -> Double {
            let before = Set(try hashes(a.path + "/model.safetensors", policy).map(\.0))
            let after = try hashes(b.path + "/model.safetensors", policy)
            let changed = after.filter { !before.contains($0.0) }.reduce(Int64(0)) { $0 + $1.1 }
            return Double(changed) / Double(after.reduce(Int64(0)) { $0 + $1.1 })
        }
        let fine = try changedFraction(ChunkingPolicy())
        #expect(fine > 0 && fine <= 0.15, "changed \(fine)")
        let coarse = try changedFraction(ChunkingPolicy(embeddingChunkSize: 4 << 20))
        #expect(coarse > 0.3, "changed \(coarse)")
    }

    @Test func tokenRowTablesByNameAndByVocab() {
        func t(_ name: String, _ shape: [Int]) -> SafetensorsLayout.Tensor {
            SafetensorsLayout.Tensor(name: name, begin: 0, end: 0, rowBytes: 0, shape: shape)
        }
        let tensors = [
            t("model.embed_tokens.weight", [49152, 576]), t("transformer.wte.weight", [50257, 768]),
            t("output.weight", [32000, 4096]), t("decoder.projection.weight", [49152, 576]), // by vocab
            t("model.layers.0.mlp.up_proj.weight", [1536, 576]), t("model.norm.weight", [576]),
            t("bert.encoder.layer.0.attention.output.weight", [768, 768]), t("embed_tokens.weight.scale", [49152]),
        ]
        #expect(
            TokenRowTables.names(in: tensors) == [
                "model.embed_tokens.weight", "transformer.wte.weight", "output.weight", "decoder.projection.weight",
            ])
        #expect(TokenRowTables.names(in: [t("lm_head.weight", [128256])]).isEmpty) // not a matrix
    }

    @Test func hugeRowTablesHaveBoundedBlobCount() {
        let policy = ChunkingPolicy()
        // SmolLM2-135M, BF16: 54 MiB table, 64 KiB chunks (56 rows of 1152 bytes).
        #expect(Chunker.rowTableChunkSize(tensorBytes: 49152 * 576 * 2, policy: policy) == 64 << 10)
        // vocab 256k × hidden 8192, F32: 8 GiB table, at most 4096 blobs of 2 MiB.
        let huge: Int64 = 262_144 * 8192 * 4
        let chunk = Chunker.rowTableChunkSize(tensorBytes: huge, policy: policy)
        #expect(chunk == 2 << 20)
        #expect((huge + chunk - 1) / chunk <= policy.embeddingMaxChunksPerTensor)
        // Never coarser than the general target.
        #expect(Chunker.rowTableChunkSize(tensorBytes: huge, policy: ChunkingPolicy(targetSize: 1 << 20)) == 1 << 20)
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
        #expect(
            try Chunker.spans(for: OpenFile(path: p), policy: ChunkingPolicy()) == [ChunkSpan(offset: 0, length: 2)])
    }

    @Test func manifestRejectsEscapingPathsAndBadHashes() throws {
        let good = String(repeating: "a", count: 64)
        func json(_ path: String, _ hash: String) -> [UInt8] {
            Array(
                """
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
