/// A parallel corpus turned into word units on both sides, ready for the aligner (source = the model's
/// language, `e`; target = the new language, `f`), plus the lexicons that map rendered units back to ids.
public struct WordUnitCorpus: Sendable {
    public var sentences: [(source: [String], target: [String])] = []
    public var sourceLexicon = WordUnitLexicon()
    public var targetLexicon = WordUnitLexicon()
    public let codec: WordUnitCodec
    /// Units this corpus rendered, by their ids: most units recur, and rendering (piece lookups, whitespace
    /// escapes) plus recording the rendered string (String hashing normalises non-ASCII text) costs more than
    /// hashing the ids.
    public private(set) var rendered = RenderedUnits()
    /// Units rendered before this corpus (read only, shared, never copied).
    private let known: RenderedUnits

    /// `known`: units rendered and recorded in some lexicon before (the daemon's earlier cycles). They are reused
    /// and *not* recorded again: the lexicons and `rendered` then hold only the units new to `known`.
    public init(codec: WordUnitCodec, known: RenderedUnits = RenderedUnits()) {
        self.codec = codec
        self.known = known
    }

    public mutating func append(
        source: String, target: String, sourceSplitter: WordUnitSplitter, targetSplitter: WordUnitSplitter
    ) {
        // `render` is static: calling a method of `self` while passing `&self.sourceLexicon` made Swift copy `self`,
        // so the lexicon's storage was shared and copied on every append (quadratic in the corpus).
        var s: [String] = [], t: [String] = []
        for unit in sourceSplitter.units(of: source) {
            s.append(
                Self.render(
                    unit, sourceSplitter.vocabulary, codec, known: known.source, cache: &rendered.source,
                    into: &sourceLexicon))
        }
        for unit in targetSplitter.units(of: target) {
            t.append(
                Self.render(
                    unit, targetSplitter.vocabulary, codec, known: known.target, cache: &rendered.target,
                    into: &targetLexicon))
        }
        sentences.append((s, t))
    }

    /// Appends another corpus's sentences after these; lexicon entries already present are kept (first seen wins,
    /// as when the sentences are appended one by one).
    public mutating func append(contentsOf other: WordUnitCorpus) {
        sentences += other.sentences
        for (unit, ids) in other.sourceLexicon.units { sourceLexicon.record(unit, ids) }
        for (unit, ids) in other.targetLexicon.units { targetLexicon.record(unit, ids) }
        rendered.merge(other.rendered)
    }

    private static func render(
        _ ids: [Int], _ vocabulary: any TokenVocabulary, _ codec: WordUnitCodec, known: [[Int]: String],
        cache: inout [[Int]: String], into lexicon: inout WordUnitLexicon
    ) -> String {
        if let rendered = known[ids] ?? cache[ids] { return rendered } // recorded when first rendered
        let rendered = codec.render(ids, in: vocabulary)
        lexicon.record(rendered, ids)
        cache[ids] = rendered
        return rendered
    }

    /// Moses-style lines `src ||| tgt`, what fast_align reads (for the paper path and for debugging).
    public var mosesLines: [String] {
        sentences.map { $0.source.joined(separator: " ") + " ||| " + $0.target.joined(separator: " ") }
    }
}

/// Rendered word units by their token ids, per side (see `WordUnitCorpus.init(codec:known:)`).
public struct RenderedUnits: Sendable {
    public var source: [[Int]: String] = [:]
    public var target: [[Int]: String] = [:]
    public init() {}

    /// Adds the other's units (those already here are kept).
    public mutating func merge(_ other: RenderedUnits) {
        source.merge(other.source) { mine, _ in mine }
        target.merge(other.target) { mine, _ in mine }
    }
}
