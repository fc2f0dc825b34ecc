import Testing

@testable import Engine

/// `alignedWordPairs(minCount:beam:)` is the lexical table as the mapping reads it, computed in ids: it must be
/// exactly the full table with the NULL-word and below-minimum rows removed.
@Suite struct IncrementalAlignerMappingPairsTests {
    static func reference(_ aligner: IncrementalAligner, minCount: Double, beam: Double?) -> [AlignedWordPair] {
        aligner.lexicalTable(beam: beam).alignedWordPairs.filter {
            $0.source != AlignedWordPair.nullWord && $0.target != AlignedWordPair.nullWord && $0.count >= minCount
        }
    }

    static func expectSame(_ a: [AlignedWordPair], _ b: [AlignedWordPair]) {
        #expect(a.count == b.count)
        for (x, y) in zip(a, b)
        where x != y || x.logProbability.bitPattern != y.logProbability.bitPattern
            || x.count.bitPattern != y.count.bitPattern
        {
            Issue.record("\(x) != \(y)")
            return
        }
    }

    @Test func equalsTheFilteredLexicalTable() throws {
        let corpus = try IncrementalAlignerTests.corpus.get()
        let aligner = IncrementalAligner()
        try aligner.add(batch: 0, corpus.slice(0..<200))
        try aligner.add(batch: 1, corpus.slice(200..<300))
        var nonEmpty = 0
        for minCount in [0, 0.5, 2, 10] {
            for beam in [-4, nil] as [Double?] {
                // The id path first: it must not depend on probabilities refreshed by `lexicalTable`.
                let fast = aligner.alignedWordPairs(minCount: minCount, beam: beam)
                Self.expectSame(fast, Self.reference(aligner, minCount: minCount, beam: beam))
                if !fast.isEmpty { nonEmpty += 1 }
            }
        }
        #expect(nonEmpty == 8)
    }

    /// After a retraction and after a round trip through bytes (row totals rebuilt on loading).
    @Test func equalsAfterRetractionAndReload() throws {
        let corpus = try IncrementalAlignerTests.corpus.get()
        let aligner = IncrementalAligner()
        try aligner.add(batch: 0, corpus.slice(0..<150))
        try aligner.add(batch: 1, corpus.slice(150..<250))
        try aligner.add(batch: 2, corpus.slice(250..<300))
        try aligner.retract(batch: 1)
        let fast = aligner.alignedWordPairs(minCount: 2)
        Self.expectSame(fast, Self.reference(aligner, minCount: 2, beam: -4))
        let reloaded = try IncrementalAligner(serialized: aligner.serialized())
        Self.expectSame(reloaded.alignedWordPairs(minCount: 2), fast)
    }

    /// The daemon's aligner: forward direction only, restored from a snapshot plus change records.
    @Test func equalsForAForwardOnlyAlignerRestoredFromChanges() throws {
        let corpus = try IncrementalAlignerTests.corpus.get()
        var options = IncrementalOptions()
        options.reverseDirection = false
        let aligner = IncrementalAligner(options: options)
        try aligner.add(batch: 1, corpus.slice(0..<200))
        let snapshot = aligner.serialized()
        aligner.markSaved()
        try aligner.add(batch: 2, corpus.slice(200..<300))
        let changes = try #require(aligner.serializedChanges())
        let restored = try IncrementalAligner(serialized: snapshot, changes: [changes])
        for minCount in [0.5, 2, 10] {
            let expected = Self.reference(aligner, minCount: minCount, beam: -4)
            Self.expectSame(aligner.alignedWordPairs(minCount: minCount), expected)
            Self.expectSame(restored.alignedWordPairs(minCount: minCount), expected)
        }
    }
}
