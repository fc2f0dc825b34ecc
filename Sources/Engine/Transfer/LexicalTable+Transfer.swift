/// The aligner's lexical table as the mapping's input.
extension LexicalTable {
    public var alignedWordPairs: [AlignedWordPair] {
        rows.map {
            AlignedWordPair(source: $0.source, target: $0.target, logProbability: $0.logProbability, count: $0.count)
        }
    }
}

extension WordUnitCorpus {
    /// The aligner's corpus (word units as whitespace-free strings).
    public var parallelCorpus: ParallelCorpus { ParallelCorpus(pairs: sentences) }
}
