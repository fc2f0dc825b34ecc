/// Saving the incremental aligner by its changes. A full state is hundreds of MB on a 30,000-pair corpus, while
/// adding 1,000 pairs touches a few percent of it: the new segments, the statistics of the segments re-estimated,
/// the counts of the pairs those cover, new words and pairs, and four scalars. `serializedChanges()` writes just
/// that, relative to the last save; `init(serialized:changes:)` replays such records on top of a snapshot and
/// yields exactly (bit for bit) the state that was saved. Retracting segments renumbers them, so after a
/// retraction only a full snapshot can be saved.
extension IncrementalAligner {
    static let changesMagic = "transtok-incremental-aligner-changes"
    static let changesVersion = 1

    /// Records the current state as saved (call after persisting `serialized()`): from here on changes are tracked.
    public func markSaved() {
        for d in [forward, backward] { d.changes.reset(to: d.currentMark) }
    }

    /// The changes since the last save, as a record for `init(serialized:changes:)`, and the state marked saved.
    /// nil when they cannot be expressed as changes (nothing saved yet, or segments were retracted): save a full
    /// `serialized()` then.
    public func serializedChanges() -> [UInt8]? {
        guard forward.changes.mark != nil, backward.changes.mark != nil,
            !forward.changes.segmentsRemoved, !backward.changes.segmentsRemoved
        else { return nil }
        var w = ByteWriter()
        w.string(Self.changesMagic)
        w.int(Self.changesVersion)
        for d in [forward, backward] { Self.writeChanges(of: d, &w) }
        markSaved()
        return w.bytes
    }

    private static func writeChanges(of d: IncrementalDirection, _ w: inout ByteWriter) {
        guard let mark = d.changes.mark else { return }
        for size in [mark.sourceWords, mark.targetWords, mark.pairs, mark.segments] { w.int(size) }
        w.strings(Array(d.source.words[mark.sourceWords...]))
        w.strings(Array(d.target.words[mark.targetWords...]))
        w.int32s(Array(d.pairs.conditioning[mark.pairs...]))
        w.int32s(Array(d.pairs.generated[mark.pairs...]))
        let changed = d.changes.changedPairs.sorted()
        w.int32s(changed)
        w.doubles(changed.map { d.counts[Int($0)] })
        w.doubles(Array(d.counts[mark.pairs...]))
        w.double(d.tension)
        w.double(d.featureTotal)
        w.int(d.clock)
        w.int(d.tensionRoundsDone)
        let segments = d.changes.changedSegments.sorted()
        w.int(segments.count)
        for i in segments {
            let b = d.batches[i]
            w.int(i)
            w.int32s(b.statPairs)
            w.doubles(b.statCounts)
            w.double(b.feature)
            w.int(b.refreshedAt)
        }
        w.int(d.batches.count - mark.segments)
        for b in d.batches[mark.segments...] { write(b, &w) }
    }

    /// Replays one direction's part of a change record on the saved fields (derived state is rebuilt afterwards).
    static func applyChanges(to d: IncrementalDirection, _ r: inout AlignmentByteReader) throws {
        let expected = IncrementalDirection.Mark(
            sourceWords: try r.int(), targetWords: try r.int(), pairs: try r.int(), segments: try r.int())
        guard expected == d.currentMark else {
            throw AlignmentError.invalidState(
                "a change record does not follow the saved state (\(expected) vs \(d.currentMark))")
        }
        d.source = try Vocabulary(words: d.source.words + r.strings())
        d.target = try Vocabulary(words: d.target.words + r.strings())
        let conditioning = try r.int32s(), generated = try r.int32s()
        guard conditioning.count == generated.count else {
            throw AlignmentError.invalidState("new pair columns differ in length")
        }
        for (e, f) in zip(conditioning, generated) {
            guard e >= 0, Int(e) < d.source.count, f >= 0, Int(f) < d.target.count else {
                throw AlignmentError.invalidState("a new pair is out of vocabulary")
            }
            let before = d.pairs.count
            guard Int(d.pairs.insert(e, f)) == before, d.pairs.count == before + 1 else {
                throw AlignmentError.invalidState("a new pair is already in the table")
            }
        }
        let changed = try r.int32s(), values = try r.counts()
        guard changed.count == values.count, changed.allSatisfy({ $0 >= 0 && Int($0) < expected.pairs }) else {
            throw AlignmentError.invalidState("changed counts do not match the saved pairs")
        }
        for (p, c) in zip(changed, values) { d.counts[Int(p)] = c }
        let newCounts = try r.counts()
        guard newCounts.count == conditioning.count else {
            throw AlignmentError.invalidState("new counts do not match the new pairs")
        }
        d.counts += newCounts
        d.tension = try r.tension()
        d.featureTotal = try r.double()
        d.clock = try r.int()
        d.tensionRoundsDone = try r.int()
        for _ in 0..<(try r.count()) {
            let i = try r.int()
            guard i >= 0, i < expected.segments else {
                throw AlignmentError.invalidState("changed segment \(i) does not exist")
            }
            let statPairs = try r.int32s(), statCounts = try r.counts()
            guard statPairs.count == statCounts.count, statPairs.allSatisfy({ $0 >= 0 && Int($0) < d.pairs.count })
            else {
                throw AlignmentError.invalidState("inconsistent statistics of segment \(i)")
            }
            d.batches[i].statPairs = statPairs
            d.batches[i].statCounts = statCounts
            d.batches[i].feature = try r.double()
            d.batches[i].refreshedAt = try r.int()
        }
        for _ in 0..<(try r.count()) { d.batches.append(try readBatch(d, &r)) }
    }

    /// Reads a change record's header and both directions.
    static func applyChanges(_ bytes: [UInt8], forward: IncrementalDirection, backward: IncrementalDirection) throws {
        var r = AlignmentByteReader(bytes)
        guard try r.string() == changesMagic else {
            throw AlignmentError.invalidState("not an incremental aligner change record")
        }
        let version = try r.int()
        guard version == changesVersion else {
            throw AlignmentError.invalidState("change record version \(version), expected \(changesVersion)")
        }
        try applyChanges(to: forward, &r)
        try applyChanges(to: backward, &r)
        guard r.offset == bytes.count else {
            throw AlignmentError.invalidState("\(bytes.count - r.offset) trailing bytes in a change record")
        }
    }
}

extension IncrementalDirection {
    /// Sizes of the saved fields that only grow between retractions.
    struct Mark: Equatable, CustomStringConvertible {
        var sourceWords: Int, targetWords: Int, pairs: Int, segments: Int
        var description: String { "\(sourceWords)/\(targetWords) words, \(pairs) pairs, \(segments) segments" }
    }

    var currentMark: Mark {
        Mark(sourceWords: source.count, targetWords: target.count, pairs: pairs.count, segments: batches.count)
    }

    /// What changed in one direction since its state was last saved.
    struct ChangeTracker {
        /// The sizes at the last save; nil before the first one (only a full snapshot can be saved then).
        private(set) var mark: Mark?
        var segmentsRemoved = false
        /// Segments below `mark.segments` whose statistics were re-estimated.
        private(set) var changedSegments: Set<Int> = []
        /// Pairs below `mark.pairs` whose counts may have changed (the support of every re-estimated segment).
        private(set) var changedPairs: [Int32] = []
        private var flagged: [Bool] = []

        mutating func noteReestimated(segment: Int, support: [Int32]) {
            guard let mark else { return }
            if segment < mark.segments { changedSegments.insert(segment) }
            if flagged.count < mark.pairs {
                flagged.append(contentsOf: repeatElement(false, count: mark.pairs - flagged.count))
            }
            flagged.withUnsafeMutableBufferPointer { flags in
                for p in support where Int(p) < mark.pairs && !flags[Int(p)] {
                    flags[Int(p)] = true
                    changedPairs.append(p)
                }
            }
        }

        mutating func reset(to mark: Mark) {
            for p in changedPairs { flagged[Int(p)] = false }
            changedPairs = []
            changedSegments = []
            segmentsRemoved = false
            self.mark = mark
        }
    }
}
