/// The `model` section of tokenizer.json.
enum TokenModel {
    case bpe(BPEModel)
    case wordPiece(WordPieceModel)
    case unigram(UnigramModel)

    init(json: Any) throws {
        let f = try JSONFields(json, component: "model")
        var type = f.type
        if type.isEmpty {
            // Old files omit the type: infer it from the fields.
            if f.object["merges"] != nil {
                type = "BPE"
            } else if f.object["vocab"] is [Any] {
                type = "Unigram"
            } else if f.object["continuing_subword_prefix"] != nil {
                type = "WordPiece"
            }
        }
        switch type {
        case "BPE": self = .bpe(try BPEModel(json: f))
        case "WordPiece": self = .wordPiece(try WordPieceModel(json: f))
        case "Unigram": self = .unigram(try UnigramModel(json: f))
        default: throw TokenizerError.unsupported(component: "model", type: type)
        }
    }

    var vocab: TokenizerVocabulary {
        switch self {
        case .bpe(let m): return m.vocab
        case .wordPiece(let m): return m.vocab
        case .unigram(let m): return m.vocab
        }
    }

    var unkPiece: [UInt32]? {
        switch self {
        case .bpe(let m): return m.unkPiece
        case .wordPiece(let m): return m.unkPiece
        case .unigram(let m): return m.unkID.flatMap { m.vocab.piece(Int($0)) }
        }
    }

    @inline(__always) func tokenize(_ word: [UInt32], into out: inout [ModelToken], cache: WordCache?) {
        switch self {
        case .bpe(let m): m.tokenize(word, into: &out, cache: cache)
        case .wordPiece(let m): m.tokenize(word, into: &out, cache: cache)
        case .unigram(let m): m.tokenize(word, into: &out, cache: cache)
        }
    }
}
