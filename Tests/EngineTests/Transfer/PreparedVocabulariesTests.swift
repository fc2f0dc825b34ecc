import Foundation
import Testing

@testable import Engine

/// A mapper reusing one `PreparedVocabularies` across refreshes must give exactly what a fresh mapper gives:
/// real tokenizers (SmolLM2 source, our trained byte-level BPE target), word units of the grc-eng fixture, an
/// incremental aligner fed in two batches; the mapping of each state compared, counts bit for bit.
@Suite struct PreparedVocabulariesTests {
    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizers/\(name).tokenizer.json.gz")))
    }

    static func lines(_ file: String) throws -> [String] {
        try String(contentsOfFile: TestPaths.fixture(file), encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
    }

    @Test(arguments: [MappingOptions(minCount: 2), MappingOptions(paperCompat: true, minCount: 2)])
    func reusedPreparationEqualsAFreshMapper(options: MappingOptions) throws {
        let source = try Self.tokenizer("smollm2"), target = try Self.tokenizer("trained-byte-level-bpe")
        let pipeline = try TransferPipeline(source: source, target: target, options: options)
        let english = try Self.lines("alignment/grc300.eng"), greek = try Self.lines("alignment/grc300.grc")
        let pairs = Array(zip(english, greek).prefix(300))
        let aligner = IncrementalAligner()
        let prepared = pipeline.prepareVocabularies()
        var previous: TokenMapping?
        for (batch, range) in [0..<180, 180..<300].enumerated() {
            let units = pipeline.wordUnits(pairs[range].map { ($0.0, $0.1) })
            try aligner.add(batch: batch, units.parallelCorpus)
            let corpus = pipeline.wordUnits(pairs[0..<range.upperBound].map { ($0.0, $0.1) })
            let aligned = aligner.alignedWordPairs(minCount: options.minCount)
            let plain = pipeline.mapper(corpus)
            let reused = pipeline.mapper(corpus, reusing: prepared)
            let (alignment, _) = plain.alignmentCounts(from: aligned)
            #expect(alignment.rows.contains { !$0.isEmpty }, "the alignment must contribute counts")
            let a = plain.completedCounts(from: alignment), b = reused.completedCounts(from: alignment)
            #expect(a.table == b.table)
            #expect(
                a.unmatchedSpecials == b.unmatchedSpecials && a.smoothed == b.smoothed
                    && a.directlyMapped == b.directlyMapped)
            let (m1, r1) = plain.build(from: aligned), (m2, r2) = reused.build(from: aligned)
            #expect(m1 == m2)
            #expect(r1.description == r2.description)
            // The full lexical table (NULL and rare pairs included) maps the same as the filtered pairs.
            #expect(
                pipeline.mapper(corpus, reusing: prepared).build(from: aligner.lexicalTable().alignedWordPairs).0 == m1)
            if let previous { #expect(previous != m1, "the second batch should change the mapping") }
            previous = m1
        }
    }
}
