/// WordPiece (HF `models::wordpiece`): greedy longest-match-first with a continuation prefix; a word that
/// cannot be fully covered (or is longer than `max_input_chars_per_word`) becomes one unk token.
final class WordPieceModel: @unchecked Sendable {
    let vocab: TokenizerVocabulary
    let unkID: Int32
    let unkPiece: [UInt32]
    let prefix: [UInt32]
    let maxInputChars: Int

    init(json f: JSONFields) throws {
        vocab = try TokenizerVocabulary(json: f.object["vocab"] ?? [:], component: "WordPiece model")
        unkPiece = Scalars.of(f.optionalString("unk_token") ?? "[UNK]")
        guard let u = vocab.id(unkPiece) else { throw TokenizerError.missingToken(Scalars.string(unkPiece)) }
        unkID = u
        prefix = Scalars.of(f.optionalString("continuing_subword_prefix") ?? "##")
        maxInputChars = f.int("max_input_chars_per_word", default: 100)
    }

    func tokenize(_ word: [UInt32], into out: inout [ModelToken], cache: WordCache?) {
        if word.isEmpty { return }
        if let cache, let hit = cache.get(word) {
            out.append(contentsOf: hit)
            return
        }
        let result = tokenizeUncached(word)
        cache?.put(word, result)
        out.append(contentsOf: result)
    }

    private func tokenizeUncached(_ word: [UInt32]) -> [ModelToken] {
        let whole = [ModelToken(id: unkID, start: 0, end: Int32(word.count))]
        if word.count > maxInputChars { return whole }
        var result = [ModelToken]()
        var start = 0
        var key = [UInt32]()
        while start < word.count {
            var end = word.count
            var found: Int32? = nil
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(contentsOf: prefix) }
                key.append(contentsOf: word[start..<end])
                if let id = vocab.id(key) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return whole }
            result.append(ModelToken(id: id, start: Int32(start), end: Int32(end)))
            start = end
        }
        return result
    }
}
