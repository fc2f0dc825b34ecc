import Foundation

/// How `HydraTranslator.translate(text:…)` turns the body's reading into target tokens.
///
/// The Hydra head renders what the body would say in the source language. Asked to repeat the source text, the body
/// says its words in order, but in `free` decoding it only ever *sees* the target tokens it emitted, fed back through
/// the target rows: mapped rows are averages of source rows, so after a few words the body loses its place, drifts
/// into text of its own ("and a son of a woman of Bethlehem Judah, and a son…") or stops early. `sourcePaced` keeps
/// the body on the text: it reads the source text itself, one word (unit) at a time, through the source rows; before
/// each unit the head gives the target word for it (its first token from the body's prediction of that unit, further
/// tokens while the body, fed those target tokens, predicts a continuation of the same word), and then those target
/// tokens are forgotten and the body reads the unit's source tokens. Without a lexicon every target token is the
/// Hydra head's choice in the body's context; only the body's own drift is removed. With the aligner's word table
/// (`HydraLexicon`, a Hydra directory's `hydra_lexicon.tsv`), a word the table knows becomes the translation the table
/// and the head's preference together score best; a word it does not know is the head's alone. It cannot reorder
/// words (neither, in practice, can the echo-prompted free decoding). Measured in docs/method.md § Source-paced
/// decoding and § Lexicon-guided decoding.
public enum HydraDecoding: String, Sendable, CaseIterable {
    /// The body reads the source text unit by unit; the head renders each unit (the default).
    case sourcePaced = "source-paced"
    /// Generation after the prompt, every generated target token fed back through the target rows.
    case free
}

/// Where the words of a text begin among its tokens, for source-paced decoding.
enum SourceUnits {
    enum CharacterClass { case space, word, mark }

    /// Whitespace; a letter, digit or combining mark (`\p{L}`, `\p{N}`, `\p{M}`); anything else.
    static func characterClass(_ scalar: Unicode.Scalar) -> CharacterClass {
        let classes = UnicodeClasses.classes(scalar.value)
        if classes & UnicodeClasses.whitespace != 0 { return .space }
        return classes & (UnicodeClasses.letter | UnicodeClasses.number | UnicodeClasses.mark) != 0 ? .word : .mark
    }

    /// Byte offsets in `text` where a unit begins: a unit is a run of letters, marks and digits, or one other
    /// character, together with the whitespace before it (byte-level and SentencePiece tokens carry that space).
    static func byteStarts(_ text: String) -> Set<Int> {
        var starts: Set<Int> = []
        var offset = 0
        var previous: CharacterClass?
        var spaceRunStart: Int?
        for scalar in text.unicodeScalars {
            defer { offset += scalar.utf8.count }
            let c = characterClass(scalar)
            if c == .space {
                if spaceRunStart == nil { spaceRunStart = offset }
                previous = .space
                continue
            }
            if previous == nil || previous == .space || previous == .mark || c == .mark {
                starts.insert(spaceRunStart ?? offset)
            }
            spaceRunStart = nil
            previous = c
        }
        return starts
    }

    /// The indices of `ids` (the tokens of `text`) where a unit begins; always starts with 0. A unit boundary that
    /// falls inside a token joins the two units. When the tokens' bytes are not the text's (a normalising
    /// tokenizer), a unit begins at each token that starts with whitespace.
    static func tokenStarts(text: String, ids: [Int], codec: any TokenCodec) -> [Int] {
        guard !ids.isEmpty else { return [] }
        let pieces = ids.map { codec.tokenBytes($0) }
        let bytes = pieces.flatMap { $0 }
        let utf8 = Array(text.utf8)
        let shift: Int? = bytes == utf8 ? 0 : (bytes == [0x20] + utf8 ? 1 : nil)
        var result = [0]
        if let shift {
            let starts = byteStarts(text)
            var offset = pieces[0].count - shift
            for i in 1..<ids.count {
                if starts.contains(offset) { result.append(i) }
                offset += pieces[i].count
            }
        } else {
            for i in 1..<ids.count where pieces[i].first.map(isSpaceByte) ?? false { result.append(i) }
        }
        return result
    }

    static func isSpaceByte(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}

/// The shape of a token's text, for source-paced decoding.
struct TokenShape: Equatable {
    /// Has no text (nothing to emit).
    var isEmpty = true
    /// Begins with whitespace: opens a new word.
    var opensWord = false
    /// The first character after any leading whitespace is a letter, mark or digit (a byte of an incomplete
    /// multi-byte character counts as one: byte-level vocabularies split accented letters).
    var startsWithWord = false

    init(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        isEmpty = false
        opensWord = SourceUnits.isSpaceByte(first)
        let body = Array(bytes.drop(while: SourceUnits.isSpaceByte))
        guard let lead = body.first else { return }
        if lead < 0x80 {
            startsWithWord = SourceUnits.characterClass(Unicode.Scalar(lead)) == .word
        } else if let scalar = String(decoding: body, as: UTF8.self).unicodeScalars.first, scalar != "\u{FFFD}" {
            startsWithWord = SourceUnits.characterClass(scalar) == .word
        } else {
            startsWithWord = true
        }
    }
}

extension HydraTranslator {
    /// Most target tokens one source unit may become.
    public static let tokensPerUnit = 8

    /// Source-paced decoding (see `HydraDecoding.sourcePaced`): after `prompt` (source ids), the body reads
    /// `text` (source ids of `source`, units beginning at `unitStarts`, see `SourceUnits`), and before each unit the
    /// head's choice for it is emitted. After the first unit, a unit that begins with whitespace gets a target token
    /// that opens a word and a unit glued to the previous one (punctuation, "’t") a token that does not, so the
    /// output keeps the source's word boundaries (any token when the vocabulary has none of that shape). A unit that begins with a word character may take further tokens:
    /// the target token is fed back through the target rows and the body's next choice is kept while it continues
    /// the word (no leading whitespace, a word character first), at most `tokensPerUnit` in all. Then those tokens
    /// are forgotten and the body reads the unit's source tokens. With a `lexicon` (`HydraLexicon`), a unit the
    /// table knows becomes instead the table's word that scores best with the head (`lexiconWord`), emitted whole and
    /// chosen greedily; the head alone renders the others. `options.stopTokens`, the target EOS ids and control
    /// tokens (`<unk>`) are never emitted; `options.maxTokens` caps the output; `options.sampling` chooses every token
    /// the head renders alone (greedy by default). The score sums the head's log-probabilities of the tokens it
    /// chose (of a table word, its first token's).
    public func translateSourcePaced(
        sourcePrompt prompt: [Int], text ids: [Int], unitStarts: [Int], source: any TokenCodec,
        target: any TokenCodec, lexicon: HydraLexicon? = nil, options: GenerationOptions = GenerationOptions(),
        onToken: (Int) -> Bool = { _ in true }
    ) throws -> Generation {
        guard !prompt.isEmpty else { throw RuntimeError.emptyInput("the prompt has no tokens") }
        guard options.maxTokens >= 0 else { throw RuntimeError.invalidConfig("maxTokens must be ≥ 0") }
        guard unitStarts.first == 0 || ids.isEmpty, zip(unitStarts, unitStarts.dropFirst()).allSatisfy({ $0 < $1 }),
            (unitStarts.last ?? 0) < max(ids.count, 1)
        else { throw RuntimeError.invalidConfig("unit starts must rise from 0 inside the text's tokens") }
        let vocabulary = model.config.outputVocabularySize
        let shapes = (0..<vocabulary).map { TokenShape(target.tokenBytes($0)) }
        var banned = [Bool](repeating: false, count: vocabulary)
        var bannedIDs = options.stopTokens
        if !options.ignoreModelEOS { bannedIDs.formUnion(model.config.eosTokenIDs) }
        for id in bannedIDs where id >= 0 && id < vocabulary { banned[id] = true }
        for id in 0..<vocabulary where shapes[id].isEmpty || target.isControlToken(id) { banned[id] = true }
        let needed = prompt.count + ids.count + Self.tokensPerUnit
        guard needed <= model.config.maxPositions else {
            throw RuntimeError.contextOverflow(needed: needed, limit: model.config.maxPositions)
        }
        let sourceRows = try inputIDs(source: ids)
        let clock = ContinuousClock()
        let cache = model.makeCache(capacity: needed)
        let t0 = clock.now
        var logits = Array(
            try model.forward(try inputIDs(source: prompt), cache: cache, activations: options.activations).last)
        var result = Generation(
            tokens: [], finishReason: .sourceRead, promptTokenCount: prompt.count, score: 0,
            prefillSeconds: (clock.now - t0).seconds, decodeSeconds: 0)
        let t1 = clock.now
        var sampler = Sampler(options.sampling)
        /// The sampler's choice among the tokens `allowed` admits; nil when none is.
        func choose(_ logits: [Float], _ allowed: (TokenShape) -> Bool) -> Int? {
            var masked = logits
            var any = false
            for id in 0..<vocabulary {
                if banned[id] || !allowed(shapes[id]) { masked[id] = -.infinity } else { any = true }
            }
            return any ? sampler.next(masked) : nil
        }
        /// Appends `id` (its head log-probability added to the score); false when the caller asked to stop.
        func emit(_ id: Int, _ logProbability: Double) -> Bool {
            result.score += logProbability
            result.tokens.append(id)
            return onToken(id)
        }
        decoding: for u in unitStarts.indices {
            let unit = unitStarts[u]..<(u + 1 < unitStarts.count ? unitStarts[u + 1] : ids.count)
            guard result.tokens.count < options.maxTokens else {
                result.finishReason = .maxTokens
                break
            }
            let unitShape = TokenShape(source.tokenBytes(ids[unit.lowerBound]))
            if let word = lexiconWord(
                lexicon, unit: ids[unit], first: u == 0, shape: unitShape, logits: logits, banned: banned,
                shapes: shapes)
            {
                for (i, id) in word.target.enumerated() {
                    guard result.tokens.count < options.maxTokens else { break }
                    guard emit(id, i == 0 ? word.headLogProbability : 0) else {
                        result.finishReason = .cancelled
                        break decoding
                    }
                }
                guard unit.upperBound < ids.count else { break }
                logits = Array(
                    try model.forward(Array(sourceRows[unit]), cache: cache, activations: options.activations).last)
                continue
            }
            // A vocabulary without tokens of the asked shape (no word-initial whitespace, as WordPiece) gets any.
            if let first = choose(logits, { u == 0 || $0.opensWord == unitShape.opensWord })
                ?? choose(logits, { _ in true })
            {
                guard emit(first, logSoftmax(logits)[first]) else {
                    result.finishReason = .cancelled
                    break
                }
                let base = cache.count
                var last = first
                var count = 1
                while unitShape.startsWithWord, count < Self.tokensPerUnit, result.tokens.count < options.maxTokens {
                    let next = Array(try model.forward([last], cache: cache, activations: options.activations).last)
                    guard let best = choose(next, { _ in true }), !shapes[best].opensWord, shapes[best].startsWithWord
                    else { break }
                    guard emit(best, logSoftmax(next)[best]) else {
                        result.finishReason = .cancelled
                        break decoding
                    }
                    last = best
                    count += 1
                }
                cache.truncate(to: base)
            }
            guard unit.upperBound < ids.count else { break }
            logits = Array(
                try model.forward(Array(sourceRows[unit]), cache: cache, activations: options.activations).last)
        }
        result.decodeSeconds = (clock.now - t1).seconds
        return result
    }

    /// The table's word for `unit` (see `HydraLexicon`): the candidate with the highest
    /// `log t(f|e) + log p(e|f) + HydraLexicon.headWeight × log p_head(first token)`, the head's distribution taken over the
    /// tokens decoding may emit. After the first unit, a unit that opens a word takes a candidate that opens one; a
    /// glued unit (punctuation) takes any (the table may render a comma as a conjunction). Nil when the table has no
    /// usable candidate: the head then chooses alone.
    private func lexiconWord(
        _ lexicon: HydraLexicon?, unit: ArraySlice<Int>, first: Bool, shape: TokenShape, logits: [Float],
        banned: [Bool], shapes: [TokenShape]
    ) -> (target: [Int], headLogProbability: Double)? {
        guard let lexicon else { return nil }
        let candidates = lexicon.candidates(for: unit).filter { candidate in
            candidate.target.allSatisfy { $0 >= 0 && $0 < banned.count && !banned[$0] }
                && (first || !shape.opensWord || shapes[candidate.target[0]].opensWord)
        }
        guard !candidates.isEmpty else { return nil }
        var allowed = logits
        for id in allowed.indices where banned[id] { allowed[id] = -.infinity }
        let head = logSoftmax(allowed)
        var best: (target: [Int], headLogProbability: Double)?
        var bestScore = -Double.infinity
        for candidate in candidates {
            let score = Double(candidate.score) + HydraLexicon.headWeight * head[candidate.target[0]]
            if score > bestScore {
                bestScore = score
                best = (candidate.target, head[candidate.target[0]])
            }
        }
        return best
    }
}
