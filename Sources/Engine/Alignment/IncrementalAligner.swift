import Foundation

/// Persistent, incrementally updated word aligner for the daemon: fast_align's reparameterised IBM 2 (`-d -o -v`
/// semantics) trained by incremental EM (see `IncrementalDirection`), forward (source→target: the lexical table the
/// mapping reads) and optionally reverse, symmetrised on demand. Batches (e.g. one contributor file) are added and
/// retracted by id; the whole state serialises to bytes.
public final class IncrementalAligner: @unchecked Sendable {
    public let options: IncrementalOptions
    let forward: IncrementalDirection
    let backward: IncrementalDirection

    public init(options: IncrementalOptions = IncrementalOptions()) {
        self.options = options
        forward = IncrementalDirection(options: options)
        backward = IncrementalDirection(options: options)
    }

    /// Batch ids in the order they were added (a large batch is stored as several segments with one id).
    public var batchIDs: [Int] {
        var seen = Set<Int>()
        return forward.batches.map(\.id).filter { seen.insert($0).inserted }
    }
    public var sentenceCount: Int { forward.batches.reduce(0) { $0 + $1.count } }
    public var tensions: (forward: Double, reverse: Double) { (forward.tension, backward.tension) }
    public var pairCount: Int { forward.pairs.count + backward.pairs.count }

    /// Adds the pairs of `corpus` as batch `id`. Work ∝ the batch (`localIterations` passes) plus the bounded
    /// refresh of `refreshBatches` old batches.
    public func add(batch id: Int, _ corpus: ParallelCorpus) throws {
        guard !batchIDs.contains(id) else { throw AlignmentError.invalidArgument("batch \(id) is already present") }
        let pairs = (0..<corpus.count).map { (source: corpus.sourceWords($0), target: corpus.targetWords($0)) }
        forward.add(id: id, sentences: pairs)
        if options.reverseDirection {
            backward.add(id: id, sentences: pairs.map { (source: $0.target, target: $0.source) })
        }
    }

    /// `add(batch:_:)` in two halves: the forward direction now, the reverse direction in the returned closure (nil
    /// without one), to be run once, possibly on another thread, while only the forward table is being read
    /// (`lexicalTable`, the mapping's word pairs). The two directions share no mutable state; nothing else may use
    /// the aligner until the closure has run.
    public func addForwardFirst(batch id: Int, _ corpus: ParallelCorpus) throws -> (@Sendable () -> Void)? {
        guard !batchIDs.contains(id) else { throw AlignmentError.invalidArgument("batch \(id) is already present") }
        let pairs = (0..<corpus.count).map { (source: corpus.sourceWords($0), target: corpus.targetWords($0)) }
        forward.add(id: id, sentences: pairs)
        guard options.reverseDirection else { return nil }
        let reversed = pairs.map { (source: $0.target, target: $0.source) }
        return { [backward] in backward.add(id: id, sentences: reversed) }
    }

    /// Subtracts batch `id`'s statistics and forgets its sentences.
    public func retract(batch id: Int) throws {
        guard forward.retract(id: id), !options.reverseDirection || backward.retract(id: id) else {
            throw AlignmentError.invalidArgument("no batch \(id)")
        }
    }

    /// Alignments of every sentence, batches in order, in file orientation. Without the reverse direction these are
    /// the forward Viterbi links, whatever `method`.
    public func align(symmetrize method: SymmetrizationMethod = .growDiagFinalAnd) -> [[AlignmentLink]] {
        var out: [[AlignmentLink]] = []
        for b in forward.batches.indices { out.append(contentsOf: align(batchAt: b, symmetrize: method)) }
        return out
    }

    public func align(batch id: Int, symmetrize method: SymmetrizationMethod = .growDiagFinalAnd) throws
        -> [[AlignmentLink]]
    {
        let segments = forward.batches.indices.filter { forward.batches[$0].id == id }
        guard !segments.isEmpty else { throw AlignmentError.invalidArgument("no batch \(id)") }
        return segments.flatMap { align(batchAt: $0, symmetrize: method) }
    }

    private func align(batchAt b: Int, symmetrize method: SymmetrizationMethod) -> [[AlignmentLink]] {
        let f = forward.viterbi(b).map { $0.map { AlignmentLink($0.0, $0.1) } }
        guard options.reverseDirection else { return f }
        let r = backward.viterbi(b).map { $0.map { AlignmentLink($0.1, $0.0) } }
        return Symmetrizer.combine(forward: f, reverse: r, method: method)
    }

    /// The forward lexical table with the expected counts accumulated over the current corpus (beam as fast_align).
    public func lexicalTable(beam: Double? = -4) -> LexicalTable {
        let d = forward
        d.refreshAllProbabilities()
        var maxima = [Double](repeating: 0, count: d.source.count)
        let e = d.pairs.conditioning, f = d.pairs.generated
        for p in 0..<d.probabilities.count { maxima[Int(e[p])] = max(maxima[Int(e[p])], d.probabilities[p]) }
        var rows: [LexicalTable.Row] = []
        for row in d.rowPairs.indices {
            for p in d.rowPairs[row].map(Int.init) {
                let t = d.probabilities[p]
                guard t > 0 else { continue }
                if let beam, !(Foundation.log(t) >= -Foundation.log(maxima[row]) * beam) { continue }
                rows.append(
                    LexicalTable.Row(
                        source: d.source.display(e[p]), target: d.target.display(f[p]),
                        logProbability: Foundation.log(t), count: d.counts[p]))
            }
        }
        return LexicalTable(rows: rows)
    }

    // MARK: serialisation

    static let magic = "transtok-incremental-aligner"
    /// 2 added `reverseDirection`; version 1 states had both directions.
    static let version = 2

    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.string(Self.magic)
        w.int(Self.version)
        w.double(options.alpha)
        w.double(options.p0)
        w.double(options.initialTension)
        w.int(options.optimizeTension ? 1 : 0)
        w.int(options.localIterations)
        w.int(options.refreshBatches)
        w.int(options.reverseDirection ? 1 : 0)
        for d in [forward, backward] { Self.write(d, &w) }
        return w.bytes
    }

    /// Restores a saved state: a `serialized()` snapshot, then the `serializedChanges()` records saved after it, in
    /// order. The result is marked saved (the next `serializedChanges()` is relative to it).
    public convenience init(serialized bytes: [UInt8], changes: [[UInt8]] = [], threads: Int = 1) throws {
        var r = AlignmentByteReader(bytes)
        guard try r.string() == Self.magic else {
            throw AlignmentError.invalidState("not an incremental aligner state")
        }
        let version = try r.int()
        guard (1...Self.version).contains(version) else {
            throw AlignmentError.invalidState("state version \(version), expected 1…\(Self.version)")
        }
        var o = IncrementalOptions()
        o.alpha = try r.double()
        o.p0 = try r.double()
        o.initialTension = try r.double()
        o.optimizeTension = try r.int() != 0
        o.localIterations = try r.int()
        o.refreshBatches = try r.int()
        o.reverseDirection = version >= 2 ? try r.int() != 0 : true
        guard o.alpha > 0, o.alpha <= 100, (0..<1).contains(o.p0), (0.1...14).contains(o.initialTension),
            (0...1_000).contains(o.localIterations), (0...1_000_000).contains(o.refreshBatches)
        else { throw AlignmentError.invalidState("options out of range") }
        o.threads = threads
        self.init(options: o)
        try Self.read(forward, &r)
        try Self.read(backward, &r)
        guard r.offset == bytes.count else {
            throw AlignmentError.invalidState("\(bytes.count - r.offset) trailing bytes")
        }
        for record in changes { try Self.applyChanges(record, forward: forward, backward: backward) }
        for d in [forward, backward] { try d.rebuildDerivedState() }
        markSaved()
    }

    static func write(_ d: IncrementalDirection, _ w: inout ByteWriter) {
        w.strings(d.source.words)
        w.strings(d.target.words)
        w.int32s(d.pairs.conditioning)
        w.int32s(d.pairs.generated)
        w.doubles(d.counts)
        w.double(d.tension)
        w.double(d.featureTotal)
        w.int(d.clock)
        w.int(d.tensionRoundsDone)
        w.int(d.batches.count)
        for b in d.batches { write(b, &w) }
    }

    static func write(_ b: IncrementalDirection.Batch, _ w: inout ByteWriter) {
        w.int(b.id)
        w.int32s(b.sourceIDs)
        w.ints(b.sourceStarts)
        w.int32s(b.targetIDs)
        w.ints(b.targetStarts)
        w.int32s(b.statPairs)
        w.doubles(b.statCounts)
        w.double(b.feature)
        w.int(b.refreshedAt)
    }

    /// A batch segment as `write(_:_:)` wrote it, checked against the direction's vocabularies and pair table.
    static func readBatch(_ d: IncrementalDirection, _ r: inout AlignmentByteReader) throws
        -> IncrementalDirection.Batch
    {
        var b = IncrementalDirection.Batch(
            id: try r.int(), sourceIDs: try r.int32s(), sourceStarts: try r.ints(),
            targetIDs: try r.int32s(), targetStarts: try r.ints())
        b.statPairs = try r.int32s()
        b.statCounts = try r.counts()
        b.feature = try r.double()
        b.refreshedAt = try r.int()
        guard b.sourceStarts.count == b.targetStarts.count, b.sourceStarts.first == 0, b.targetStarts.first == 0,
            b.sourceStarts.last == b.sourceIDs.count, b.targetStarts.last == b.targetIDs.count,
            Self.isNondecreasing(b.sourceStarts), Self.isNondecreasing(b.targetStarts),
            b.sourceIDs.allSatisfy({ $0 > 0 && Int($0) < d.source.count }),
            b.targetIDs.allSatisfy({ $0 > 0 && Int($0) < d.target.count }),
            b.statPairs.count == b.statCounts.count, b.statPairs.allSatisfy({ $0 >= 0 && Int($0) < d.pairs.count })
        else {
            throw AlignmentError.invalidState("inconsistent batch \(b.id)")
        }
        return b
    }

    static func isNondecreasing(_ values: [Int]) -> Bool {
        zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }
    }

    private static func read(_ d: IncrementalDirection, _ r: inout AlignmentByteReader) throws {
        d.source = try Vocabulary(words: r.strings())
        d.target = try Vocabulary(words: r.strings())
        d.pairs = try PairTable(conditioning: r.int32s(), generated: r.int32s())
        d.counts = try r.counts()
        guard d.counts.count == d.pairs.count else {
            throw AlignmentError.invalidState("count array does not match pairs")
        }
        d.tension = try r.tension()
        d.featureTotal = try r.double()
        d.clock = try r.int()
        d.tensionRoundsDone = try r.int()
        let batchCount = try r.count()
        d.batches = []
        for _ in 0..<batchCount { d.batches.append(try readBatch(d, &r)) }
    }
}
