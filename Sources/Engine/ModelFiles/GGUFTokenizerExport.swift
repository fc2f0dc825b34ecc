/// Hugging Face tokenizer files rebuilt from a GGUF's embedded tokenizer (`tokenizer.ggml.*`).
///
/// - `gpt2` (byte-level BPE): vocab + merges; the pre-tokenizer follows `tokenizer.ggml.pre` the way
///   llama.cpp splits text (e.g. `smollm` splits digits individually before the GPT-2 regex).
/// - `llama` (SentencePiece BPE): vocab + merges recovered from scores (transformers' `generate_merges`),
///   `▁` metaspace, byte fallback, `<unk>`.
/// Control tokens (type 3) become special added tokens, user-defined ones (type 4) plain added tokens.
public struct HFTokenizerFiles: Sendable {
    public var tokenizerJSON: JSONValue
    public var tokenizerConfig: JSONValue
    public var specialTokensMap: JSONValue
    /// Special token ids (bos/eos/unk/pad) from the GGUF.
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var unkTokenID: Int?
    public var padTokenID: Int?
    public var vocabularySize: Int
    /// Non-fatal notes (e.g. an unknown `tokenizer.ggml.pre` mapped to the GPT-2 default).
    public var warnings: [String]
}

public enum GGUFTokenizerExport {
    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    public static func export(_ gguf: GGUFFile) throws -> HFTokenizerFiles {
        guard let model = gguf["tokenizer.ggml.model"]?.string else {
            throw ModelFileError.invalidConfig("GGUF has no tokenizer.ggml.model")
        }
        guard let tokens = gguf.strings("tokenizer.ggml.tokens"), !tokens.isEmpty else {
            throw ModelFileError.invalidConfig("GGUF has no tokenizer.ggml.tokens string array")
        }
        let types: [Int] = gguf["tokenizer.ggml.token_type"]?.array?.compactMap(\.int) ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw ModelFileError.invalidConfig(
                "tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        func id(_ key: String) throws -> Int? {
            guard let v = gguf["tokenizer.ggml.\(key)"] else { return nil }
            guard let i = v.int, i >= 0, i < tokens.count else {
                throw ModelFileError.invalidConfig("tokenizer.ggml.\(key) = \(v) is not a token id")
            }
            return i
        }
        let bos = try id("bos_token_id"), eos = try id("eos_token_id")
        let unk = try id("unknown_token_id"), pad = try id("padding_token_id")
        let addBOS = gguf["tokenizer.ggml.add_bos_token"]?.bool ?? (model == "llama")
        let addEOS = gguf["tokenizer.ggml.add_eos_token"]?.bool ?? false
        var warnings: [String] = []

        // Added tokens: control (3) special; user-defined (4) not special; unknown (2) special.
        var added: [JSONValue] = []
        for (i, t) in types.enumerated() where t == 2 || t == 3 || t == 4 {
            added.append(
                .object([
                    ("id", .int(i)), ("content", .string(tokens[i])), ("single_word", .bool(false)),
                    ("lstrip", .bool(false)), ("rstrip", .bool(false)), ("normalized", .bool(t == 4)),
                    ("special", .bool(t != 4)),
                ]))
        }

        var vocab: [(String, JSONValue)] = []
        vocab.reserveCapacity(tokens.count)
        var seen = [String: Int]()
        for (i, t) in tokens.enumerated() {
            if let first = seen[t] {
                warnings.append("token \(i) duplicates token \(first) ('\(t)'); the vocabulary keeps the first id")
                continue
            }
            seen[t] = i
            vocab.append((t, .int(i)))
        }

        let modelJSON: JSONValue, preTokenizer: JSONValue, normalizer: JSONValue, decoder: JSONValue
        switch model {
        case "gpt2":
            let merges = gguf.strings("tokenizer.ggml.merges") ?? []
            guard !merges.isEmpty else {
                throw ModelFileError.invalidConfig("byte-level BPE GGUF without tokenizer.ggml.merges")
            }
            for m in merges where m.split(separator: " ", omittingEmptySubsequences: false).count != 2 {
                throw ModelFileError.invalidConfig("merge '\(m)' is not two space-separated tokens")
            }
            let pre = gguf["tokenizer.ggml.pre"]?.string ?? "default"
            preTokenizer = try byteLevelPreTokenizer(pre: pre)
            // Llama 3's tokenizer.json sets ignore_merges (a word that is itself a token is not re-merged).
            modelJSON = bpeModel(
                vocab: vocab, merges: merges.map(JSONValue.string), unk: nil, byteFallback: false,
                ignoreMerges: Self.llama3Pre.contains(pre))
            normalizer = .null
            decoder = .object([
                ("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                ("trim_offsets", .bool(true)), ("use_regex", .bool(true)),
            ])
        case "llama":
            let scores: [Double] = gguf["tokenizer.ggml.scores"]?.array?.compactMap(\.double) ?? []
            guard scores.count == tokens.count else {
                throw ModelFileError.invalidConfig("SentencePiece GGUF needs one tokenizer.ggml.scores entry per token")
            }
            let merges: [JSONValue]
            if let m = gguf.strings("tokenizer.ggml.merges"), !m.isEmpty {
                merges = m.map(JSONValue.string)
            } else {
                merges = generateMerges(tokens: tokens, scores: scores).map { .array([.string($0.0), .string($0.1)]) }
            }
            modelJSON = bpeModel(vocab: vocab, merges: merges, unk: unk.map { tokens[$0] }, byteFallback: true)
            let addSpace = gguf["tokenizer.ggml.add_space_prefix"]?.bool ?? true
            preTokenizer = .object([
                ("type", .string("Metaspace")), ("replacement", .string("▁")),
                ("prepend_scheme", .string(addSpace ? "first" : "never")), ("split", .bool(false)),
            ])
            normalizer = .null
            var steps: [JSONValue] = [
                .object([
                    ("type", .string("Replace")), ("pattern", .object([("String", .string("▁"))])),
                    ("content", .string(" ")),
                ]),
                .object([("type", .string("ByteFallback"))]),
                .object([("type", .string("Fuse"))]),
            ]
            if addSpace {
                steps.append(
                    .object([
                        ("type", .string("Strip")), ("content", .string(" ")), ("start", .int(1)), ("stop", .int(0)),
                    ]))
            }
            decoder = .object([("type", .string("Sequence")), ("decoders", .array(steps))])
        default:
            throw ModelFileError.invalidConfig("tokenizer.ggml.model '\(model)' is not supported (gpt2, llama)")
        }

        let post = postProcessor(
            bos: addBOS ? bos.map { ($0, tokens[$0]) } : nil,
            eos: addEOS ? eos.map { ($0, tokens[$0]) } : nil, byteLevel: model == "gpt2")
        let tokenizer: JSONValue = .object([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null),
            ("added_tokens", .array(added)), ("normalizer", normalizer), ("pre_tokenizer", preTokenizer),
            ("post_processor", post), ("decoder", decoder), ("model", modelJSON),
        ])

        func tok(_ i: Int?) -> JSONValue { i.map { .string(tokens[$0]) } ?? .null }
        var config: [(String, JSONValue)] = [
            ("add_bos_token", .bool(addBOS)), ("add_eos_token", .bool(addEOS)),
            (
                "added_tokens_decoder",
                .object(
                    added.compactMap { a in
                        guard let i = a["id"]?.int else { return nil }
                        var o = a
                        o.set("id", nil)
                        return (String(i), o)
                    })
            ),
            ("bos_token", tok(bos)),
        ]
        if let t = gguf["tokenizer.chat_template"]?.string { config.append(("chat_template", .string(t))) }
        config += [
            ("clean_up_tokenization_spaces", .bool(false)), ("eos_token", tok(eos)),
            ("model_max_length", .int(gguf.archValue("context_length")?.int ?? 2048)),
            ("pad_token", tok(pad)),
            ("tokenizer_class", .string(model == "gpt2" ? "GPT2Tokenizer" : "LlamaTokenizer")),
            ("unk_token", tok(unk)),
        ]
        if model == "llama" { config.append(("legacy", .bool(false))) }
        var specials: [(String, JSONValue)] = []
        let extra = types.enumerated().filter { $0.element == 3 }.map { JSONValue.string(tokens[$0.offset]) }
        if !extra.isEmpty { specials.append(("additional_special_tokens", .array(extra))) }
        for (k, v) in [("bos_token", bos), ("eos_token", eos), ("pad_token", pad), ("unk_token", unk)] where v != nil {
            specials.append((k, tok(v)))
        }
        return HFTokenizerFiles(
            tokenizerJSON: tokenizer, tokenizerConfig: .object(config),
            specialTokensMap: .object(specials), bosTokenID: bos, eosTokenID: eos,
            unkTokenID: unk, padTokenID: pad, vocabularySize: tokens.count, warnings: warnings)
    }

    static func bpeModel(
        vocab: [(String, JSONValue)], merges: [JSONValue], unk: String?, byteFallback: Bool,
        ignoreMerges: Bool = false
    ) -> JSONValue {
        .object([
            ("type", .string("BPE")), ("dropout", .null), ("unk_token", unk.map(JSONValue.string) ?? .null),
            ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null), ("fuse_unk", .bool(byteFallback)),
            ("byte_fallback", .bool(byteFallback)), ("ignore_merges", .bool(ignoreMerges)),
            ("vocab", .object(vocab)), ("merges", .array(merges)),
        ])
    }

    static func byteLevel(useRegex: Bool) -> JSONValue {
        .object([
            ("type", .string("ByteLevel")), ("add_prefix_space", .bool(false)), ("trim_offsets", .bool(true)),
            ("use_regex", .bool(useRegex)),
        ])
    }

    static func split(_ regex: String) -> JSONValue {
        .object([
            ("type", .string("Split")), ("pattern", .object([("Regex", .string(regex))])),
            ("behavior", .string("Isolated")), ("invert", .bool(false)),
        ])
    }

    static func sequence(_ items: [JSONValue]) -> JSONValue {
        .object([("type", .string("Sequence")), ("pretokenizers", .array(items))])
    }

    static let llama3Pre: Set<String> = ["llama3", "llama-v3", "llama-bpe", "falcon3", "smaug-bpe", "dbrx", "pixtral"]
    static let knownPre =
        [
            "default", "gpt2", "gpt-2", "starcoder", "refact", "olmo", "jais", "smollm", "qwen2",
            "deepseek-r1-qwen",
        ] + llama3Pre.sorted()

    /// llama.cpp's pre-tokenizer choice (`llama-vocab.cpp`) expressed as HF pre-tokenizers. An unknown one is an
    /// error naming it: a GPT-2 guess would tokenize differently from the model's training without a sign.
    static func byteLevelPreTokenizer(pre: String) throws -> JSONValue {
        switch pre {
        case "default", "gpt2", "gpt-2", "starcoder", "refact", "olmo", "jais":
            return byteLevel(useRegex: true)
        case "smollm":
            return sequence([
                .object([("type", .string("Digits")), ("individual_digits", .bool(true))]), byteLevel(useRegex: true),
            ])
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "smaug-bpe", "dbrx", "pixtral":
            return sequence([split(llama3Regex), byteLevel(useRegex: false)])
        case "qwen2", "deepseek-r1-qwen":
            return sequence([split(qwen2Regex), byteLevel(useRegex: false)])
        default:
            throw ModelFileError.invalidConfig(
                "tokenizer.ggml.pre '\(pre)' is not supported (known: "
                    + knownPre.joined(separator: ", ") + "); refusing to guess a pre-tokenizer")
        }
    }

    static func postProcessor(bos: (Int, String)?, eos: (Int, String)?, byteLevel: Bool) -> JSONValue {
        if bos == nil, eos == nil {
            return byteLevel
                ? .object([
                    ("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)), ("trim_offsets", .bool(false)),
                    ("use_regex", .bool(true)),
                ])
                : .null
        }
        func piece(_ id: String, _ type: Int) -> JSONValue {
            .object([("Sequence", .object([("id", .string(id)), ("type_id", .int(type))]))])
        }
        func special(_ s: String) -> JSONValue {
            .object([("SpecialToken", .object([("id", .string(s)), ("type_id", .int(0))]))])
        }
        var single: [JSONValue] = [], pair: [JSONValue] = []
        if let b = bos {
            single.append(special(b.1))
            pair.append(special(b.1))
        }
        single.append(piece("A", 0))
        pair.append(piece("A", 0))
        if let e = eos {
            single.append(special(e.1))
            pair.append(special(e.1))
        }
        if let b = bos { pair.append(special(b.1)) }
        pair.append(piece("B", 1))
        if let e = eos { pair.append(special(e.1)) }
        var specials: [(String, JSONValue)] = []
        for (id, s) in [bos, eos].compactMap({ $0 }) where !specials.contains(where: { $0.0 == s }) {
            specials.append(
                (s, .object([("id", .string(s)), ("ids", .array([.int(id)])), ("tokens", .array([.string(s)]))])))
        }
        return .object([
            ("type", .string("TemplateProcessing")), ("single", .array(single)), ("pair", .array(pair)),
            ("special_tokens", .object(specials)),
        ])
    }

    /// transformers' `generate_merges(vocab, scores)`: every split of a token into two vocab tokens, ordered by
    /// the merged token's score (then left/right lengths) descending, ties in vocabulary order.
    static let maxMergeTokenLength = 1024

    static func generateMerges(tokens: [String], scores: [Double]) -> [(String, String)] {
        var ids = [String: Int]()
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        struct M {
            var l: String
            var r: String
            var score: Double
            var ll: Int
            var rl: Int
            var order: Int
        }
        var all: [M] = []
        var seenPieces = Set<String>()
        for (i, token) in tokens.enumerated() where seenPieces.insert(token).inserted {
            let scalars = Array(token.unicodeScalars)
            // Real pieces are short; a hostile multi-megabyte token must not make this quadratic.
            guard scalars.count <= maxMergeTokenLength else { continue }
            var local: [M] = []
            for cut in 1..<max(1, scalars.count) {
                var l = String.UnicodeScalarView(), r = String.UnicodeScalarView()
                l.append(contentsOf: scalars[..<cut])
                r.append(contentsOf: scalars[cut...])
                let ls = String(l), rs = String(r)
                if ids[ls] != nil, ids[rs] != nil {
                    local.append(M(l: ls, r: rs, score: scores[i], ll: cut, rl: scalars.count - cut, order: 0))
                }
            }
            local.sort { (ids[$0.l] ?? 0, ids[$0.r] ?? 0) < (ids[$1.l] ?? 0, ids[$1.r] ?? 0) }
            for var m in local {
                m.order = all.count
                all.append(m)
            }
        }
        all.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.ll != b.ll { return a.ll > b.ll }
            if a.rl != b.rl { return a.rl > b.rl }
            return a.order < b.order
        }
        return all.map { ($0.l, $0.r) }
    }
}
