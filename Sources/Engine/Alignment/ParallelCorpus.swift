/// Sentence pairs of whitespace tokens as integer ids (flat arrays, one per side).
///
/// Empty sides are kept (so sentence k is still input line k) but take no part in training and get no links;
/// the reader records a `CorpusWarning` for each.
public struct ParallelCorpus: Sendable, Equatable {
    public internal(set) var sourceVocabulary = Vocabulary()
    public internal(set) var targetVocabulary = Vocabulary()
    var sourceIDs: [Int32] = []
    var targetIDs: [Int32] = []
    var sourceStarts: [Int] = [0]
    var targetStarts: [Int] = [0]
    /// 1-based input line of each pair.
    public internal(set) var lineNumbers: [Int] = []
    public internal(set) var warnings: [CorpusWarning] = []

    public init() {}

    /// Pairs of already tokenised sentences (tests, the daemon, Transfer). Line numbers are 1, 2, …
    public init(pairs: [(source: [String], target: [String])]) {
        for (k, p) in pairs.enumerated() { append(source: p.source, target: p.target, line: k + 1) }
    }

    public var count: Int { lineNumbers.count }
    public var sourceTokenCount: Int { sourceIDs.count }
    public var targetTokenCount: Int { targetIDs.count }

    public func sourceSentence(_ k: Int) -> ArraySlice<Int32> { sourceIDs[sourceStarts[k]..<sourceStarts[k + 1]] }
    public func targetSentence(_ k: Int) -> ArraySlice<Int32> { targetIDs[targetStarts[k]..<targetStarts[k + 1]] }
    public func sourceLength(_ k: Int) -> Int { sourceStarts[k + 1] - sourceStarts[k] }
    public func targetLength(_ k: Int) -> Int { targetStarts[k + 1] - targetStarts[k] }

    public func sourceWords(_ k: Int) -> [String] { sourceSentence(k).map { sourceVocabulary.display($0) } }
    public func targetWords(_ k: Int) -> [String] { targetSentence(k).map { targetVocabulary.display($0) } }

    public mutating func append<S: StringProtocol>(source: [S], target: [S], line: Int, path: String = "<memory>") {
        for w in source { sourceIDs.append(sourceVocabulary.intern(String(w))) }
        for w in target { targetIDs.append(targetVocabulary.intern(String(w))) }
        sourceStarts.append(sourceIDs.count)
        targetStarts.append(targetIDs.count)
        lineNumbers.append(line)
        if source.isEmpty || target.isEmpty {
            let kind: CorpusWarning.Kind =
                source.isEmpty && target.isEmpty ? .emptyBoth : (source.isEmpty ? .emptySource : .emptyTarget)
            warnings.append(CorpusWarning(path: path, line: line, kind: kind))
        }
    }

    /// Appends all pairs of `other`, re-interning its words in this corpus's vocabularies.
    public mutating func append(contentsOf other: ParallelCorpus) {
        for k in 0..<other.count {
            append(source: other.sourceWords(k), target: other.targetWords(k), line: other.lineNumbers[k])
        }
        warnings.append(contentsOf: other.warnings)
    }

    /// The same pairs with the two sides swapped (fast_align's `-r`).
    public func reversed() -> ParallelCorpus {
        var r = self
        swap(&r.sourceVocabulary, &r.targetVocabulary)
        swap(&r.sourceIDs, &r.targetIDs)
        swap(&r.sourceStarts, &r.targetStarts)
        return r
    }

    /// Pairs `range` as a new corpus with its own vocabularies.
    public func slice(_ range: Range<Int>) -> ParallelCorpus {
        var c = ParallelCorpus()
        for k in range { c.append(source: sourceWords(k), target: targetWords(k), line: lineNumbers[k]) }
        return c
    }
}
