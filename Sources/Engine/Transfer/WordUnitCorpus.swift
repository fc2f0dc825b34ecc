/// A parallel corpus turned into word units on both sides, ready for the aligner (source = the model's
/// language, `e`; target = the new language, `f`), plus the lexicons that map rendered units back to ids.
public struct WordUnitCorpus: Sendable {
    public var sentences: [(source: [String], target: [String])] = []
    public var sourceLexicon = WordUnitLexicon()
    public var targetLexicon = WordUnitLexicon()
    public let codec: WordUnitCodec

    public init(codec: WordUnitCodec) { self.codec = codec }

    public mutating func append(source: String, target: String, sourceSplitter: WordUnitSplitter, targetSplitter: WordUnitSplitter) {
        let s = sourceSplitter.units(of: source).map { render($0, sourceSplitter.vocabulary, into: &sourceLexicon) }
        let t = targetSplitter.units(of: target).map { render($0, targetSplitter.vocabulary, into: &targetLexicon) }
        sentences.append((s, t))
    }

    private func render(_ ids: [Int], _ vocabulary: any TokenVocabulary, into lexicon: inout WordUnitLexicon) -> String {
        let rendered = codec.render(ids, in: vocabulary)
        lexicon.record(rendered, ids)
        return rendered
    }

    /// Moses-style lines `src ||| tgt`, what fast_align reads (for the paper path and for debugging).
    public var mosesLines: [String] {
        sentences.map { $0.source.joined(separator: " ") + " ||| " + $0.target.joined(separator: " ") }
    }
}
