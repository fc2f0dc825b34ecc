import Engine
import Testing

/// The default (pitfall-fixed) mapping across tokenizer schemes: SentencePiece source, byte-level target.
@Suite struct TransferDefaultMappingTests {
    let source = ToyVocabulary(
        ["<unk>", "<s>", "</s>", "▁the", "▁cat", "▁sleeps", ".", "▁", "▁1", "2", "<|im_start|>", "s", "▁ca"],
        added: ["<|im_start|>"])
    let target = ToyVocabulary(
        [
            "<unk>", "<s>", "</s>", "Ġde", "Ġkat", "Ġslaap", "t", ".", "Ġ12", "<|im_start|>", "<|im_end|>",
            "Ġka", "zz", "Ġcat", "Ġkatt",
        ], scheme: .byteLevel, added: ["<|im_start|>", "<|im_end|>"])

    func mapper(_ options: MappingOptions = MappingOptions(minCount: 1)) throws -> TokenMapper {
        let codec = try WordUnitCodec.privateUse([source, target])
        return TokenMapper(source: source, target: target, codec: codec, options: options)
    }

    func pairs(_ codec: WordUnitCodec) -> [AlignedWordPair] {
        [
            AlignedWordPair(source: "▁the", target: "Ġde", count: 17.29),
            AlignedWordPair(source: "▁cat", target: "Ġkat", count: 15.53),
            AlignedWordPair(source: "▁sleeps", target: codec.render([5, 6], in: target), count: 15.93),
            AlignedWordPair(source: ".", target: ".", count: 0.5),
        ]
    }

    func weights(_ m: TokenMapping, _ t: String) -> [String: Float] {
        Dictionary(m[target.id(forPiece: t) ?? -1].map { (source.pieces[$0.sourceID], $0.weight) }, uniquingKeysWith: +)
    }

    @Test func exactSoftCountsAndDecodedIdentity() throws {
        let mapper = try mapper()
        let (mapping, report) = mapper.build(from: pairs(mapper.codec))
        #expect(weights(mapping, "Ġde") == ["▁the": 1])
        // Exact Double split: ▁sleeps↔(Ġslaap, t) gives each target piece the full soft count.
        let (counts, _) = mapper.alignmentCounts(from: pairs(mapper.codec))
        #expect(abs((counts.rows[6][5] ?? 0) - 15.93) < 1e-12)
        // "Ġcat" decodes to " cat" = "▁cat" decoded: identical strings across markers (pitfall 4).
        #expect(weights(mapping, "Ġcat") == ["▁cat": 1])
        #expect(mapping.rows[13].origin == .heuristic)
        // Below min count (0.5 < 1) but "." is identical → heuristic row.
        #expect(weights(mapping, ".") == [".": 1])
        #expect(report.alignment.pairsBelowMinCount == 1)
    }

    @Test func numbersSpreadOverAllSourceSubtokens() throws {
        let (mapping, _) = try mapper().build(from: [])
        // " 12" → SentencePiece toy "▁▁12" → ▁, ▁1, 2: one third each (pitfall 9: not only the first).
        let w = weights(mapping, "Ġ12")
        #expect(w.keys.sorted() == ["2", "▁", "▁1"])
        for v in w.values { #expect(abs(v - 1 / 3) < 1e-6) }
    }

    @Test func specialAndAddedTokensMappedExplicitly() throws {
        let (mapping, report) = try mapper().build(from: pairs(try mapper().codec))
        #expect(weights(mapping, "<s>") == ["<s>": 1])
        #expect(weights(mapping, "<|im_start|>") == ["<|im_start|>": 1])
        #expect(mapping.rows[9].origin == .special)
        // No source counterpart: mean row, reported.
        #expect(mapping.rows[10].origin == .sourceMean)
        #expect(report.fallbackTokens.contains { $0.piece == "<|im_end|>" })
    }

    @Test func smoothingUsesDecodedPrefixesAndFallbackTokenizes() throws {
        let (mapping, report) = try mapper().build(from: pairs(try mapper().codec))
        // "Ġka" (" ka") is a prefix of " kat" and " katt"; " katt" itself is unmapped so only " kat" feeds it,
        // and " katt" contains " kat" (maximal) and "t".
        #expect(mapping.rows[11].origin == .smoothed)
        #expect(weights(mapping, "Ġka") == ["▁cat": 1])
        // " katt" contains " kat" and "t"; "t" lies inside " kat", so only the maximal " kat" contributes.
        #expect(weights(mapping, "Ġkatt") == ["▁cat": 1])
        // "zz": nothing related; the source tokenization "▁zz" → ▁ <unk> <unk> keeps only "▁" (unk is dropped).
        #expect(mapping.rows[12].origin == .sourceTokenization)
        #expect(weights(mapping, "zz") == ["▁": 1])
        #expect(report.unmappedCount == 2)
        try mapping.validate()
    }

    @Test func paperModeDiffersWhereThePitfallsBite() throws {
        var options = MappingOptions.paper
        options.minCount = 1
        let (paper, _) = try mapper(options).build(from: pairs(WordUnitCodec.paper))
        // The reference compares piece strings: "Ġcat" never meets "▁cat"; ChatML gets no special handling.
        #expect(paper.rows[13].origin != .heuristic)
        #expect(paper.rows[9].origin != .special)
    }
}
