import Testing

@testable import Engine

/// Saving the incremental aligner as a snapshot plus change records (`serializedChanges()`).
@Suite struct IncrementalAlignerChangesTests {
    static let corpus = IncrementalAlignerTests.corpus

    /// Small segments so that additions re-estimate old segments (the case the change records must capture).
    static func options() -> IncrementalOptions {
        var options = IncrementalOptions()
        options.maxSegmentSentences = 40
        options.refreshBatches = 2
        return options
    }

    @Test func snapshotPlusChangesRestoresTheStateExactly() throws {
        let corpus = try Self.corpus.get()
        let a = IncrementalAligner(options: Self.options())
        try a.add(batch: 1, corpus.slice(0..<160))
        let snapshot = a.serialized()
        a.markSaved()
        try a.add(batch: 2, corpus.slice(160..<190))
        let first = try #require(a.serializedChanges())
        try a.add(batch: 3, corpus.slice(190..<230))
        let second = try #require(a.serializedChanges())
        // Here 110 of 190 sentences were (re-)estimated; at daemon scale it is a few percent (see the benchmark).
        #expect(first.count < snapshot.count, "a 30-sentence addition wrote \(first.count) of \(snapshot.count) bytes")

        let restored = try IncrementalAligner(serialized: snapshot, changes: [first, second])
        #expect(restored.serialized() == a.serialized())
        #expect(restored.batchIDs == [1, 2, 3])
        // Both continue identically, and the restored one tracks its own changes from where it was loaded.
        try a.add(batch: 4, corpus.slice(230..<260))
        try restored.add(batch: 4, corpus.slice(230..<260))
        #expect(restored.serializedChanges() == a.serializedChanges())
        #expect(restored.align() == a.align())
    }

    @Test func recordsMustFollowTheirState() throws {
        let corpus = try Self.corpus.get()
        let a = IncrementalAligner(options: Self.options())
        try a.add(batch: 1, corpus.slice(0..<100))
        let snapshot = a.serialized()
        a.markSaved()
        try a.add(batch: 2, corpus.slice(100..<130))
        let first = try #require(a.serializedChanges())
        try a.add(batch: 3, corpus.slice(130..<160))
        let second = try #require(a.serializedChanges())
        #expect(throws: AlignmentError.self) { try IncrementalAligner(serialized: snapshot, changes: [second]) }
        #expect(throws: AlignmentError.self) { try IncrementalAligner(serialized: snapshot, changes: [second, first]) }
        #expect(throws: AlignmentError.self) {
            try IncrementalAligner(serialized: snapshot, changes: [Array(first.dropLast(2))])
        }
        #expect(throws: AlignmentError.self) { try IncrementalAligner(serialized: snapshot, changes: [snapshot]) }
    }

    @Test func onlyASnapshotDescribesAFreshOrRetractedState() throws {
        let corpus = try Self.corpus.get()
        let a = IncrementalAligner(options: Self.options())
        try a.add(batch: 1, corpus.slice(0..<100))
        #expect(a.serializedChanges() == nil, "nothing was saved yet")
        a.markSaved()
        try a.add(batch: 2, corpus.slice(100..<130))
        try a.retract(batch: 2)
        #expect(a.serializedChanges() == nil, "a retraction renumbers segments")
        a.markSaved()
        #expect(a.serializedChanges() != nil)
    }

    @Test func forwardFirstThenReverseEqualsAdd() throws {
        let corpus = try Self.corpus.get()
        let a = IncrementalAligner(options: Self.options()), b = IncrementalAligner(options: Self.options())
        try a.add(batch: 1, corpus.slice(0..<120))
        try b.add(batch: 1, corpus.slice(0..<120))
        try a.add(batch: 2, corpus.slice(120..<170))
        let reverse = try #require(try b.addForwardFirst(batch: 2, corpus.slice(120..<170)))
        #expect(b.lexicalTable() == a.lexicalTable(), "the forward table is complete before the reverse update")
        reverse()
        #expect(b.serialized() == a.serialized())
        #expect(throws: AlignmentError.self) { _ = try b.addForwardFirst(batch: 2, corpus.slice(0..<10)) }
    }
}

/// The forward-only aligner the daemon keeps.
@Suite struct ForwardOnlyAlignerTests {
    @Test func forwardOnlyHasTheSameForwardTableAndHalfTheState() throws {
        let corpus = try IncrementalAlignerTests.corpus.get()
        var options = IncrementalOptions()
        options.reverseDirection = false
        let both = IncrementalAligner(), forwardOnly = IncrementalAligner(options: options)
        for (batch, range) in [(1, 0..<150), (2, 150..<200)] {
            try both.add(batch: batch, corpus.slice(range))
            try forwardOnly.add(batch: batch, corpus.slice(range))
        }
        #expect(forwardOnly.lexicalTable() == both.lexicalTable())
        #expect(forwardOnly.serialized().count < both.serialized().count * 6 / 10)
        let restored = try IncrementalAligner(serialized: forwardOnly.serialized())
        #expect(restored.options.reverseDirection == false)
        #expect(restored.align() == forwardOnly.align())
        #expect(restored.align().count == 200)
        try forwardOnly.retract(batch: 2)
        #expect(forwardOnly.sentenceCount == 150)
    }

    @Test func versionOneStatesStillLoadWithBothDirections() throws {
        let corpus = try IncrementalAlignerTests.corpus.get()
        let both = IncrementalAligner()
        try both.add(batch: 1, corpus.slice(0..<60))
        // Version 1 layout: magic, version, three doubles and three ints of options, then the directions (no flag).
        let current = both.serialized()
        let versionAt = 8 + IncrementalAligner.magic.utf8.count, flagAt = versionAt + 8 + 48
        var old = Array(current[..<versionAt])
        withUnsafeBytes(of: Int64(1).littleEndian) { old.append(contentsOf: $0) }
        old += current[(versionAt + 8)..<flagAt]
        old += current[(flagAt + 8)...]
        let restored = try IncrementalAligner(serialized: old)
        #expect(restored.options.reverseDirection)
        #expect(restored.serialized() == current)
    }
}
