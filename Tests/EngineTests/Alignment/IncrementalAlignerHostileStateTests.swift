import Testing

@testable import Engine

/// Issue #14 item 3: a saved aligner state (snapshot or change record) that was truncated or corrupted must give a
/// typed error or a state that is safe to use — never a crash or an out-of-bounds access. Seeded: every run mutates
/// the same bytes (`seed` below).
@Suite struct IncrementalAlignerHostileStateTests {
    static let seed: UInt64 = 20_261_204

    /// A small real state: a snapshot and one change record after it.
    static func saved() throws -> (snapshot: [UInt8], changes: [UInt8], corpus: ParallelCorpus) {
        let corpus = try IncrementalAlignerTests.corpus.get()
        let aligner = IncrementalAligner(options: IncrementalAlignerChangesTests.options())
        try aligner.add(batch: 1, corpus.slice(0..<60))
        let snapshot = aligner.serialized()
        aligner.markSaved()
        try aligner.add(batch: 2, corpus.slice(60..<80))
        return (snapshot, try #require(aligner.serializedChanges()), corpus)
    }

    /// Decodes, and when that succeeds, uses the state the way the daemon does (tables, a new batch, alignments).
    static func decodeAndUse(_ snapshot: [UInt8], _ changes: [[UInt8]], corpus: ParallelCorpus) -> Bool {
        do {
            let aligner = try IncrementalAligner(serialized: snapshot, changes: changes)
            _ = aligner.alignedWordPairs(minCount: 0)
            _ = aligner.lexicalTable(beam: nil)
            try aligner.add(batch: 99, corpus.slice(80..<84))
            _ = aligner.align()
            _ = aligner.serialized()
            return true
        } catch is AlignmentError {
            return false
        } catch {
            Issue.record("an untyped error: \(error)")
            return false
        }
    }

    /// Every truncation point of the first bytes, then seeded ones, of the snapshot and of the change record.
    @Test func truncationsAreRefused() throws {
        let (snapshot, changes, corpus) = try Self.saved()
        var random = SeededRandom(seed: Self.seed)
        let cuts =
            Array(0..<min(200, snapshot.count))
            + (0..<200).map { _ in Int.random(in: 0..<snapshot.count, using: &random) }
        for cut in cuts {
            #expect(
                !Self.decodeAndUse(Array(snapshot.prefix(cut)), [], corpus: corpus),
                "snapshot cut at \(cut) was accepted")
        }
        for _ in 0..<200 {
            let cut = Int.random(in: 0..<changes.count, using: &random)
            #expect(
                !Self.decodeAndUse(snapshot, [Array(changes.prefix(cut))], corpus: corpus),
                "record cut at \(cut) was accepted")
        }
    }

    /// Flipped bits and overwritten 8-byte fields (lengths, offsets, ids) with hostile values: refused or usable.
    @Test func corruptedBytesNeverCrash() throws {
        let (snapshot, changes, corpus) = try Self.saved()
        var random = SeededRandom(seed: Self.seed &+ 1)
        let hostile: [Int64] = [-1, 0, 1, Int64(Int32.max), Int64(Int32.max) + 1, 1 << 40, Int64.max, Int64.min]
        for round in 0..<300 {
            let target = round % 3 == 2 ? 1 : 0 // two thirds snapshots, one third change records
            var bytes = target == 0 ? snapshot : changes
            switch Int.random(in: 0..<3, using: &random) {
            case 0: // flip 1–4 random bits
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] ^=
                        UInt8(1) << UInt8.random(in: 0..<8, using: &random)
                }
            case 1: // one 8-byte little-endian field set to a hostile value
                let at = Int.random(in: 0..<(bytes.count - 8), using: &random)
                let value = hostile.randomElement(using: &random) ?? -1
                for k in 0..<8 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * Int64(k))) }
            default: // one 4-byte id set to a hostile value
                let at = Int.random(in: 0..<(bytes.count - 4), using: &random)
                let values: [Int32] = [-1, Int32.max, Int32.min, 0, 1]
                let value: Int32 = values.randomElement(using: &random) ?? -1
                for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> Int32(8 * k)) }
            }
            _ =
                target == 0
                ? Self.decodeAndUse(bytes, [], corpus: corpus)
                : Self.decodeAndUse(snapshot, [bytes], corpus: corpus)
        }
    }
}
