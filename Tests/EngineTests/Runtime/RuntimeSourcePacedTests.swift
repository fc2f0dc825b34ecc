import Foundation
import Testing

@testable import Engine

/// Source-paced Hydra decoding (`HydraDecoding.sourcePaced`): where units begin, what shapes tokens have, and the
/// decoding itself against a reference that recomputes every step from scratch on fresh caches.
@Suite("Runtime: source-paced Hydra decoding")
struct RuntimeSourcePacedTests {
    /// The Hydra fixture's 40 ids as text: `RuntimeHydraTests.LetterCodec`'s 35 characters, then five longer pieces;
    /// encoding is greedy longest match.
    struct PieceCodec: TokenCodec {
        static let pieces =
            RuntimeHydraTests.LetterCodec.alphabet.map(String.init) + [" the", " earth", "ing", ",", "ly"]
        func encodeIDs(_ text: String) -> [Int] {
            var ids: [Int] = []
            var rest = Substring(text)
            while !rest.isEmpty {
                guard
                    let (id, piece) = Self.pieces.enumerated().filter({ rest.hasPrefix($0.element) })
                        .max(by: { $0.element.count < $1.element.count })
                else {
                    rest = rest.dropFirst()
                    continue
                }
                ids.append(id)
                rest = rest.dropFirst(piece.count)
            }
            return ids
        }
        func decodeIDs(_ ids: [Int]) -> String { ids.map { Self.pieces[$0] }.joined() }
        func tokenBytes(_ id: Int) -> [UInt8] { Array(Self.pieces[id].utf8) }
        func tokenID(forPiece piece: String) -> Int? { Self.pieces.firstIndex(of: piece) }
        func isControlToken(_ id: Int) -> Bool { Self.pieces[id] == "S" } // stands in for `<unk>`
    }

    @Test("a unit is a word or one other character, with the whitespace before it")
    func unitByteStarts() {
        // I n ␣ t h e ␣ b e g i n n i n g , ␣ G o d ’(3 bytes) s ␣ w o r d .
        #expect(SourceUnits.byteStarts("In the beginning, God’s word.") == [0, 2, 6, 16, 17, 21, 24, 25, 30])
        #expect(SourceUnits.byteStarts("  día 3.5") == [0, 6, 8, 9]) // "í" is two bytes
        #expect(SourceUnits.byteStarts("") == [])
    }

    @Test("units map onto tokens: by byte offsets, past a SentencePiece dummy prefix, else at whitespace")
    func unitTokenStarts() {
        let codec = PieceCodec()
        let text = "the earth, the king"
        let ids = codec.encodeIDs(text)
        #expect(ids.map { PieceCodec.pieces[$0] } == ["t", "h", "e", " earth", ",", " the", " ", "k", "ing"])
        // "the" | " earth" | "," | " the" | " king" (one unit over two tokens, " " and "k", and "ing" inside it).
        #expect(SourceUnits.tokenStarts(text: text, ids: ids, codec: codec) == [0, 3, 4, 5, 6])
        // A tokenizer that writes a dummy space before the text (" the" | " earth" | "," | " the" | " king").
        let prefixed = codec.encodeIDs(" " + text)
        #expect(SourceUnits.tokenStarts(text: text, ids: prefixed, codec: codec) == [0, 1, 2, 3, 4])
        // Bytes that are not the text's (here: the text upper-cased, tokens lower-case): whitespace starts units.
        #expect(SourceUnits.tokenStarts(text: text.uppercased(), ids: ids, codec: codec) == [0, 3, 5, 6])
        #expect(SourceUnits.tokenStarts(text: "", ids: [], codec: codec) == [])
    }

    @Test("token shapes: opens a word, starts with a word character, empty")
    func tokenShapes() {
        let word = TokenShape(Array(" hombre".utf8))
        #expect(word.opensWord && word.startsWithWord && !word.isEmpty)
        let accented = TokenShape(Array("ó".utf8))
        #expect(!accented.opensWord && accented.startsWithWord)
        #expect(TokenShape([0xC3]).startsWithWord) // half of "ó" in a byte-level vocabulary
        let comma = TokenShape(Array(",".utf8))
        #expect(!comma.opensWord && !comma.startsWithWord)
        let quote = TokenShape(Array(" “".utf8))
        #expect(quote.opensWord && !quote.startsWithWord)
        #expect(TokenShape([]).isEmpty && !TokenShape([]).opensWord)
    }

    /// The decoding recomputed without a shared cache: every step is a fresh forward pass over the prompt, the
    /// source text up to the unit, and the unit's target tokens so far.
    static func reference(
        hydra: LlamaModel, prompt: [Int], text: [Int], starts: [Int], codec: PieceCodec, banned: Set<Int>,
        lexicon: HydraLexicon? = nil
    ) throws -> [Int] {
        let translator = try HydraTranslator(model: hydra)
        let v = hydra.config.outputVocabularySize
        func last(_ sourcePrefix: [Int], _ targets: [Int]) throws -> [Float] {
            Array(
                try hydra.forward(
                    try translator.inputIDs(source: prompt + sourcePrefix) + targets, cache: hydra.makeCache()
                ).last)
        }
        func argmax(_ logits: [Float], _ allowed: (Int) -> Bool) -> Int? {
            (0..<v).filter { allowed($0) && !banned.contains($0) && !codec.isControlToken($0) }
                .max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }
        }
        var out: [Int] = []
        for (u, start) in starts.enumerated() {
            let unit = TokenShape(codec.tokenBytes(text[start]))
            let logits = try last(Array(text[..<start]), [])
            if let lexicon {
                // The table's words for the unit: a unit that opens a word (after the first) takes one that does.
                let end = u + 1 < starts.count ? starts[u + 1] : text.count
                let emittable = (0..<v).filter { !banned.contains($0) && !codec.isControlToken($0) }
                let candidates = lexicon.candidates(for: text[start..<end]).filter { c in
                    c.target.allSatisfy(emittable.contains)
                        && (u == 0 || !unit.opensWord || TokenShape(codec.tokenBytes(c.target[0])).opensWord)
                }
                if !candidates.isEmpty {
                    // log p_head over the emittable tokens.
                    let peak = emittable.map { Double(logits[$0]) }.max() ?? 0
                    let logZ = log(emittable.reduce(0) { $0 + exp(Double(logits[$1]) - peak) }) + peak
                    var best = candidates[0]
                    var bestScore = -Double.infinity
                    for c in candidates {
                        let score =
                            Double(c.score) + HydraLexicon.headWeight * (Double(logits[c.target[0]]) - logZ)
                        if score > bestScore { (best, bestScore) = (c, score) }
                    }
                    out += best.target
                    continue
                }
            }
            guard let first = argmax(logits, { u == 0 || TokenShape(codec.tokenBytes($0)).opensWord == unit.opensWord })
            else { continue }
            var word = [first]
            while unit.startsWithWord, word.count < HydraTranslator.tokensPerUnit {
                let next = try last(Array(text[..<start]), word)
                guard let best = argmax(next, { _ in true }) else { break }
                let shape = TokenShape(codec.tokenBytes(best))
                guard !shape.opensWord, shape.startsWithWord else { break }
                word.append(best)
            }
            out += word
        }
        return out
    }

    static func fixture() throws -> (LlamaModel, prompt: [Int], text: [Int], starts: [Int]) {
        let base = try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" })
        let (hydra, _) = try RuntimeHydraTests.hydra(from: base, maxPositions: 256)
        let codec = PieceCodec()
        let text = codec.encodeIDs("the earth, the king")
        return (
            hydra, base.inputIDs, text, SourceUnits.tokenStarts(text: "the earth, the king", ids: text, codec: codec)
        )
    }

    @Test("each unit's tokens come from the body having read the source text up to it, not its own output")
    func matchesTheReference() throws {
        let (hydra, prompt, text, starts) = try Self.fixture()
        let translator = try HydraTranslator(model: hydra)
        let codec = PieceCodec()
        let options = GenerationOptions(maxTokens: 60, ignoreModelEOS: true)
        let paced = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: text, unitStarts: starts, source: codec, target: codec, options: options)
        let expected = try Self.reference(
            hydra: hydra, prompt: prompt, text: text, starts: starts, codec: codec, banned: [])
        #expect(paced.tokens == expected)
        #expect(paced.finishReason == .sourceRead && paced.promptTokenCount == prompt.count)
        #expect(paced.tokens.count >= starts.count, "every unit should get a token in this fixture")
        #expect(paced.tokens.allSatisfy { !codec.isControlToken($0) })
        // What free decoding does differs: it reads its own output back.
        let free = try translator.translate(sourcePrompt: prompt, options: options)
        #expect(Array(free.tokens.prefix(paced.tokens.count)) != paced.tokens)

        // A stop token is never emitted, and decoding goes on past where it would have been chosen.
        let first = try #require(paced.tokens.first)
        var banning = options
        banning.stopTokens = [first]
        let without = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: text, unitStarts: starts, source: codec, target: codec, options: banning)
        #expect(!without.tokens.contains(first) && without.finishReason == .sourceRead)
        #expect(
            without.tokens
                == (try Self.reference(
                    hydra: hydra, prompt: prompt, text: text, starts: starts, codec: codec, banned: [first])))
    }

    @Test(
        "with a lexicon, each known word is the table's candidate with the best log t(f|e) + weight × head log-prob; unknown words stay the head's"
    )
    func lexiconWords() throws {
        let (hydra, prompt, text, starts) = try Self.fixture()
        #expect(starts == [0, 3, 4, 5, 6]) // "the" | " earth" | "," | " the" | " king"
        let translator = try HydraTranslator(model: hydra)
        let codec = PieceCodec()
        let (the, earth, comma, ly) = (35, 36, 38, 39)
        let options = GenerationOptions(maxTokens: 60, ignoreModelEOS: true)
        // " king": two candidates equally likely in the table; the head's log-probability decides. The one the head
        // likes less goes first, so a decoding that ignored the head would pick it.
        let kingLogits = Array(
            try hydra.forward(try translator.inputIDs(source: prompt + text[..<6]), cache: hydra.makeCache()).last)
        try #require(kingLogits[the] != kingLogits[earth])
        let (kingLess, kingMore) = kingLogits[the] < kingLogits[earth] ? (the, earth) : (earth, the)
        let lexicon = HydraLexicon(entries: [
            // " earth": the table's clear favourite, two tokens, wins over a word the head might prefer.
            [earth]: [
                HydraLexicon.Candidate(target: [the, ly], forward: -0.1, reverse: 0),
                HydraLexicon.Candidate(target: [earth], forward: -3, reverse: 0),
            ],
            // ",": a glued unit may become a word of its own.
            [comma]: [HydraLexicon.Candidate(target: [the], forward: -0.2, reverse: 0)],
            // " the": opens a word, so a candidate that does not ("ly") is not taken; the head renders it.
            [the]: [HydraLexicon.Candidate(target: [ly], forward: 0, reverse: 0)],
            Array(text[6...]): [
                HydraLexicon.Candidate(target: [kingLess], forward: -1, reverse: 0),
                HydraLexicon.Candidate(target: [kingMore], forward: -1, reverse: 0),
            ],
        ])
        let paced = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: text, unitStarts: starts, source: codec, target: codec, lexicon: lexicon,
            options: options)
        let expected = try Self.reference(
            hydra: hydra, prompt: prompt, text: text, starts: starts, codec: codec, banned: [], lexicon: lexicon)
        #expect(paced.tokens == expected)
        let plain = try Self.reference(
            hydra: hydra, prompt: prompt, text: text, starts: starts, codec: codec, banned: [])
        // "the" is not in the table: the head's word, as without a lexicon; then the table's words.
        let headThe = try #require(
            plain.indices.dropFirst().first { TokenShape(codec.tokenBytes(plain[$0])).opensWord })
        #expect(Array(paced.tokens.prefix(headThe)) == Array(plain.prefix(headThe)))
        #expect(Array(paced.tokens[headThe..<(headThe + 3)]) == [the, ly, the])
        #expect(paced.tokens.last == kingMore && paced.tokens.count > headThe + 4)
        #expect(paced.tokens[headThe + 3] != ly)
        // translate(text:) passes the lexicon on.
        let translated = try translator.translate(
            text: "the earth, the king", sourceLanguage: "E", targetLanguage: "S", source: codec, target: codec,
            template: nil, lexicon: lexicon, options: options)
        let tokens = translated.generation.tokens
        #expect(tokens.indices.dropLast(2).contains { Array(tokens[$0..<($0 + 3)]) == [the, ly, the] }, "\(tokens)")
    }

    @Test("max tokens, cancellation and bad unit starts")
    func limits() throws {
        let (hydra, prompt, text, starts) = try Self.fixture()
        let translator = try HydraTranslator(model: hydra)
        let codec = PieceCodec()
        let full = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: text, unitStarts: starts, source: codec, target: codec,
            options: GenerationOptions(maxTokens: 60, ignoreModelEOS: true))
        let capped = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: text, unitStarts: starts, source: codec, target: codec,
            options: GenerationOptions(maxTokens: 2, ignoreModelEOS: true))
        #expect(capped.tokens == Array(full.tokens.prefix(2)) && capped.finishReason == .maxTokens)
        var seen = 0
        let cancelled = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: text, unitStarts: starts, source: codec, target: codec,
            options: GenerationOptions(maxTokens: 60, ignoreModelEOS: true)
        ) { _ in
            seen += 1
            return seen < 3
        }
        #expect(cancelled.tokens == Array(full.tokens.prefix(3)) && cancelled.finishReason == .cancelled)
        for bad in [[1, 3], [0, 3, 3], [0, text.count]] {
            #expect(throws: RuntimeError.self) {
                try translator.translateSourcePaced(
                    sourcePrompt: prompt, text: text, unitStarts: bad, source: codec, target: codec)
            }
        }
        let (small, _) = try RuntimeHydraTests.hydra(
            from: try #require(try RuntimeFixtures.tinyModels().first { $0.name == "gqa-llama3-untied" }))
        let long = Array(repeating: text, count: 8).flatMap { $0 }
        #expect(throws: RuntimeError.self) {
            try HydraTranslator(model: small).translateSourcePaced(
                sourcePrompt: prompt, text: long, unitStarts: [0], source: codec, target: codec)
        }
    }

    @Test("translate(text:) decodes source-paced by default, one line out for one line in")
    func translateUsesIt() throws {
        let (hydra, _, _, _) = try Self.fixture()
        let translator = try HydraTranslator(model: hydra)
        let codec = PieceCodec(), text = "the earth, the king"
        let options = GenerationOptions(maxTokens: 60, ignoreModelEOS: true)
        let prompt = codec.encodeIDs(
            HydraTranslator.prompt(
                text: text, sourceLanguage: "E", targetLanguage: "S", template: nil, style: .echoRepeated))
        let ids = codec.encodeIDs(text)
        var noLineBreak = options
        noLineBreak.stopTokens = Set((0..<40).filter { codec.tokenBytes($0).contains(0x0A) })
        let direct = try translator.translateSourcePaced(
            sourcePrompt: prompt, text: ids, unitStarts: SourceUnits.tokenStarts(text: text, ids: ids, codec: codec),
            source: codec, target: codec, options: noLineBreak)
        let translated = try translator.translate(
            text: text, sourceLanguage: "E", targetLanguage: "S", source: codec, target: codec, template: nil,
            options: options)
        #expect(translated.generation.tokens == direct.tokens)
        // The text is the tokens' text without whitespace before its first word (the source text has none).
        let decoded = codec.decodeIDs(direct.tokens)
        #expect(translated.text == String(decoded.drop(while: \.isWhitespace)))
        #expect(!translated.text.contains("\n") && !(translated.text.first?.isWhitespace ?? true))
    }

    /// `PieceCodec` with a space before every piece, as a SentencePiece target writes every word.
    struct SpacedCodec: TokenCodec {
        func encodeIDs(_ text: String) -> [Int] { PieceCodec().encodeIDs(text) }
        func decodeIDs(_ ids: [Int]) -> String { ids.map { " " + PieceCodec.pieces[$0] }.joined() }
        func tokenBytes(_ id: Int) -> [UInt8] { Array((" " + PieceCodec.pieces[id]).utf8) }
        func tokenID(forPiece piece: String) -> Int? { nil }
    }

    @Test(
        "translate(text:) drops whitespace before the first word unless the text begins with some; every unit gets a token in a vocabulary without the asked shape"
    )
    func leadingWhitespace() throws {
        let (hydra, _, _, _) = try Self.fixture()
        let translator = try HydraTranslator(model: hydra)
        let source = PieceCodec(), target = SpacedCodec()
        let options = GenerationOptions(maxTokens: 6, ignoreModelEOS: true)
        for decoding in HydraDecoding.allCases {
            var streamed = ""
            let result = try translator.translate(
                text: "the earth, the king", sourceLanguage: "E", targetLanguage: "S", source: source, target: target,
                template: nil, decoding: decoding, options: options
            ) { piece in
                streamed += piece
                return true
            }
            let full = target.decodeIDs(result.generation.tokens)
            try #require(!result.generation.tokens.isEmpty)
            #expect(full.first == " " && result.text == String(full.drop(while: \.isWhitespace)))
            #expect(streamed == result.text)
            if decoding == .sourcePaced {
                // No target token lacks a leading space, so the glued "," takes an opening one: a token per unit
                // (nor can a word continue).
                #expect(result.generation.tokens.count == min(options.maxTokens, 5))
            }
            let kept = try translator.translate(
                text: " the earth", sourceLanguage: "E", targetLanguage: "S", source: source, target: target,
                template: nil, decoding: decoding, options: options)
            #expect(kept.text == target.decodeIDs(kept.generation.tokens))
        }
    }
}
