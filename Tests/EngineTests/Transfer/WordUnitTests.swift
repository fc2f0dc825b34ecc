import Engine
import Testing

@Suite struct TransferWordUnitTests {
    func pieces(_ units: [[Int]], _ v: ToyVocabulary) -> [[String]] { units.map { $0.map { v.pieces[$0] } } }

    @Test func sentencePieceBothRules() {
        let v = ToyVocabulary(["<unk>", "▁un", "believ", "able", "▁fish", ".", "'", "s", "▁cat"])
        let text = "  unbelievable fish. cat's "
        let want = [["▁un", "believ", "able"], ["▁fish"], ["."], ["▁cat"], ["'"], ["s"]]
        #expect(pieces(WordUnitSplitter(vocabulary: v, rule: .decodedText).units(of: text), v) == want)
        #expect(
            pieces(
                WordUnitSplitter(vocabulary: v, rule: .paperRegex(wordStart: "▁", continuation: "")).units(of: text), v)
                == want)
    }

    @Test func markerDetection() {
        #expect(ToyVocabulary(["<unk>", "▁", "▁a", "a"]).wordMarkers == ("▁", ""))
        #expect(ToyVocabulary(["<unk>", "Ġa", "a", "aa"], scheme: .byteLevel).wordMarkers == ("Ġ", ""))
        #expect(ToyVocabulary(["<unk>", "a", "##a"], scheme: .wordPiece).wordMarkers == ("", "##"))
    }

    @Test func byteLevelDecodedBoundaries() {
        let v = ToyVocabulary(["<unk>", "un", "believ", "able", "Ġfish", ".", "Ġun"], scheme: .byteLevel)
        let units = WordUnitSplitter(vocabulary: v, rule: .decodedText).units(of: "unbelievable fish. unable")
        #expect(pieces(units, v) == [["un", "believ", "able"], ["Ġfish"], ["."], ["Ġun", "able"]])
    }

    /// Pitfall 3: the reference regex never merges WordPiece; the decoded-text rule does.
    @Test func wordPieceMergesOnlyWithDecodedRule() {
        let v = ToyVocabulary(["<unk>", "un", "##believ", "##able", "fish", "."], scheme: .wordPiece)
        let text = "unbelievable fish ." // the toy WordPiece splits on spaces only
        #expect(
            pieces(WordUnitSplitter(vocabulary: v, rule: .decodedText).units(of: text), v)
                == [["un", "##believ", "##able"], ["fish"], ["."]])
        #expect(
            WordUnitSplitter(vocabulary: v, rule: .paperRegex(wordStart: "", continuation: "##")).units(of: text).count
                == 5)
    }

    @Test func nonLatinScriptsGlue() {
        let v = ToyVocabulary(["<unk>", "▁сөй", "ләш", "әм", "."])
        #expect(
            pieces(WordUnitSplitter(vocabulary: v, rule: .decodedText).units(of: "сөйләшәм."), v) == [
                ["▁сөй", "ләш", "әм"], ["."],
            ])
    }

    @Test func privateUseCodecAvoidsVocabularyAndRoundTrips() throws {
        let a = ToyVocabulary(["<unk>", "▁a\u{E000}", "b c", "|||"])
        let b = ToyVocabulary(["<unk>", "x\u{E001}"])
        let codec = try WordUnitCodec.privateUse([a, b])
        #expect(codec.separator == "\u{E002}")
        #expect(codec.whitespaceEscape == "\u{E003}")
        var corpus = WordUnitCorpus(codec: codec)
        let split = WordUnitSplitter(vocabulary: a, rule: .decodedText)
        corpus.append(
            source: "x", target: "x", sourceSplitter: split,
            targetSplitter: WordUnitSplitter(vocabulary: b, rule: .decodedText))
        let rendered = codec.render([2, 1], in: a)
        #expect(!rendered.contains(" "))
        #expect(codec.render([3], in: a) != "|||")
        #expect(codec.parse(codec.render([1, 1], in: a), in: a) == [1, 1])
    }

    @Test func paperCodecSplitsOnEmDash() {
        let v = ToyVocabulary(["<unk>", "▁slaap", "t"])
        #expect(WordUnitCodec.paper.render([1, 2], in: v) == "▁slaap—t")
        #expect(WordUnitCodec.paper.parse("▁slaap—t—zz", in: v) == [1, 2, nil])
    }
}
