import Testing

@testable import Engine

@Suite struct IncrementalAlignerTests {
    static let corpus = Result {
        try CorpusReader(lowercase: true).read(
            source: TestPaths.fixture("alignment/grc300.grc"),
            target: TestPaths.fixture("alignment/grc300.eng"))
    }

    func aer(_ links: [[AlignmentLink]]) throws -> Double {
        try AlignmentEvaluation.score(
            gold: GoldAlignment(contentsOf: TestPaths.fixture("alignment/grc300.gold")), hypothesis: links
        ).aer
    }

    @Test func batchesTrackAFullRun() throws {
        let corpus = try Self.corpus.get()
        let full = IncrementalAligner()
        try full.add(batch: 0, corpus)
        let inc = IncrementalAligner()
        for b in 0..<3 { try inc.add(batch: b, corpus.slice((b * 100)..<((b + 1) * 100))) }
        #expect(inc.sentenceCount == 300)
        let a = try aer(full.align()), b = try aer(inc.align())
        #expect(abs(a - b) < 0.02, "full \(a) incremental \(b)")
        #expect(a < 0.5)
    }

    @Test func retractionSubtractsExactly() throws {
        let corpus = try Self.corpus.get()
        var options = IncrementalOptions()
        options.refreshBatches = 0 // so batch 0's statistics are not touched by the later addition
        let base = IncrementalAligner(options: options)
        try base.add(batch: 0, corpus.slice(0..<100))
        let before = base.forward.counts
        try base.add(batch: 1, corpus.slice(100..<150))
        try base.retract(batch: 1)
        #expect(base.batchIDs == [0])
        let after = base.forward.counts
        for p in before.indices { #expect(abs(before[p] - after[p]) < 1e-9) }
        for p in before.count..<after.count { #expect(abs(after[p]) < 1e-9) }
        #expect(throws: AlignmentError.invalidArgument("no batch 7")) { try base.retract(batch: 7) }
    }

    @Test func stateRoundTripsThroughBytes() throws {
        let corpus = try Self.corpus.get()
        let a = IncrementalAligner()
        try a.add(batch: 3, corpus.slice(0..<80))
        try a.add(batch: 5, corpus.slice(80..<120))
        let bytes = a.serialized()
        let b = try IncrementalAligner(serialized: bytes)
        #expect(b.batchIDs == [3, 5])
        #expect(b.align() == a.align())
        #expect(b.serialized() == bytes)
        // Continuing from the restored state equals continuing from the original.
        try a.add(batch: 6, corpus.slice(120..<150))
        try b.add(batch: 6, corpus.slice(120..<150))
        #expect(a.align() == b.align())
        #expect(throws: AlignmentError.self) { try IncrementalAligner(serialized: Array(bytes.dropLast(3))) }
    }

    /// Pairs are looked up on several threads but numbered as one sequential pass over the sentences would.
    @Test func newPairsAreNumberedInSentenceOrder() throws {
        let corpus = try Self.corpus.get()
        var options = IncrementalOptions()
        options.threads = 3
        options.maxSegmentSentences = 70
        let aligner = IncrementalAligner(options: options)
        try aligner.add(batch: 0, corpus.slice(0..<100))
        try aligner.add(batch: 1, corpus.slice(100..<160))
        let d = aligner.forward
        var seen = Set<Int64>()
        var expected: [Int64] = []
        for b in d.batches {
            for k in 0..<b.count {
                let src = b.sourceIDs[b.sourceStarts[k]..<b.sourceStarts[k + 1]],
                    trg = b.targetIDs[b.targetStarts[k]..<b.targetStarts[k + 1]]
                guard !src.isEmpty else { continue }
                for f in trg {
                    for e in [0] + src where seen.insert(Int64(e) << 32 | Int64(f)).inserted {
                        expected.append(Int64(e) << 32 | Int64(f))
                    }
                }
            }
        }
        let numbered = zip(d.pairs.conditioning, d.pairs.generated).map { Int64($0) << 32 | Int64($1) }
        #expect(numbered == expected)
        for b in d.batches {
            #expect(b.cache.allSatisfy { $0 >= 0 && Int($0) < d.pairs.count })
        }
    }

    @Test func multithreadedUpdatesAreDeterministic() throws {
        let corpus = try Self.corpus.get()
        var o1 = IncrementalOptions(), o2 = IncrementalOptions()
        o1.threads = 1
        o2.threads = 2
        let a = IncrementalAligner(options: o1), b = IncrementalAligner(options: o2)
        for x in [a, b] {
            try x.add(batch: 0, corpus.slice(0..<150))
            try x.add(batch: 1, corpus.slice(150..<300))
        }
        #expect(a.serialized() == b.serialized())
    }

    /// A batch larger than `maxSegmentSentences` is kept as segments: one id for the caller, a bounded refresh
    /// after the next addition, exact retraction of every segment, and alignments like an unsegmented run.
    @Test func refreshIsProportionalToTheAddition() throws {
        let corpus = try Self.corpus.get()
        func refreshedOldSegments(ratio: Double, added: Int) throws -> Int {
            var options = IncrementalOptions()
            options.maxSegmentSentences = 50
            options.refreshBatches = 3
            options.refreshSentencesPerAdded = ratio
            let aligner = IncrementalAligner(options: options)
            try aligner.add(batch: 1, corpus.slice(0..<200))
            let before = aligner.forward.batches.map(\.refreshedAt)
            try aligner.add(batch: 2, corpus.slice(200..<(200 + added)))
            return zip(before, aligner.forward.batches).filter { $0 != $1.refreshedAt }.count
        }
        #expect(try refreshedOldSegments(ratio: 2, added: 30) == 2, "60 old sentences: two segments of 50")
        #expect(try refreshedOldSegments(ratio: 2, added: 20) == 1, "40 old sentences: one segment")
        #expect(try refreshedOldSegments(ratio: 0, added: 20) == 1, "always at least one")
        #expect(try refreshedOldSegments(ratio: .infinity, added: 20) == 3, "never more than refreshBatches")
    }

    @Test func largeBatchesAreSegmented() throws {
        let corpus = try Self.corpus.get()
        var options = IncrementalOptions()
        options.maxSegmentSentences = 60
        let segmented = IncrementalAligner(options: options)
        try segmented.add(batch: 0, corpus.slice(0..<270))
        #expect(segmented.batchIDs == [0])
        #expect(segmented.forward.batches.count == 5)
        #expect(try segmented.align(batch: 0).count == 270)

        let whole = IncrementalAligner()
        try whole.add(batch: 0, corpus.slice(0..<270))
        let a = try aer(whole.align() + Array(repeating: [], count: 30))
        let b = try aer(segmented.align() + Array(repeating: [], count: 30))
        #expect(abs(a - b) < 0.02, "unsegmented \(a) segmented \(b)")

        // The next addition re-estimates the new segment plus old segments worth twice its sentences (one segment of
        // 60 for 30 new), not the whole batch 0.
        let before = segmented.forward.batches.map(\.refreshedAt)
        try segmented.add(batch: 1, corpus.slice(270..<300))
        let after = segmented.forward.batches.prefix(before.count).map(\.refreshedAt)
        #expect(zip(before, after).filter { $0 != $1 }.count == 1)

        // Retracting a segmented batch removes all its segments and subtracts exactly what they contributed.
        var exact = options
        exact.refreshBatches = 0
        let base = IncrementalAligner(options: exact)
        try base.add(batch: 0, corpus.slice(0..<100))
        let counts = base.forward.counts
        try base.add(batch: 1, corpus.slice(100..<250))
        #expect(base.forward.batches.count == 2 + 3)
        try base.retract(batch: 1)
        #expect(base.batchIDs == [0])
        #expect(base.forward.batches.count == 2)
        for p in counts.indices { #expect(abs(counts[p] - base.forward.counts[p]) < 1e-9) }
        #expect(base.sentenceCount == 100)
    }
}
