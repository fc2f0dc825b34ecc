/// Renders a trained vocabulary as Hugging Face files: tokenizer.json in the layout HF writes for Llama-style
/// (sentencepiece-bpe) or GPT-2-style (byte-level-bpe) tokenizers, tokenizer_config.json, special_tokens_map.json.
struct TrainedTokenizerFiles {
    let options: TokenizerTrainingOptions
    let pieces: [[UInt32]]
    let merges: [(Int32, Int32)]

    private var specials: [String] { options.specialTokens }

    private func role(_ names: [String]) -> String? { names.first { specials.contains($0) } }
    private var bos: String? { options.kind == .sentencePieceBPE ? role(["<s>"]) : role(["<|endoftext|>"]) }
    private var eos: String? { options.kind == .sentencePieceBPE ? role(["</s>"]) : role(["<|endoftext|>"]) }
    private var unk: String? { role(["<unk>"]) ?? (options.kind == .byteLevelBPE ? role(["<|endoftext|>"]) : nil) }
    private var pad: String? { role(["<pad>"]) }

    func build() -> TrainedTokenizer {
        let sp = options.kind == .sentencePieceBPE
        let added: [OrderedJSON] = specials.enumerated().map { i, s in
            .object([
                ("id", .int(i)), ("content", .string(s)), ("single_word", .bool(false)), ("lstrip", .bool(false)),
                ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(true)),
            ])
        }
        let vocab: [(String, OrderedJSON)] = pieces.enumerated().map { (Scalars.string($0.element), .int($0.offset)) }
        let mergeList: [OrderedJSON] = merges.map {
            .array([.string(Scalars.string(pieces[Int($0.0)])), .string(Scalars.string(pieces[Int($0.1)]))])
        }
        let model: OrderedJSON = .object([
            ("type", .string("BPE")), ("dropout", .null),
            ("unk_token", sp ? (unk.map { .string($0) } ?? .null) : .null),
            ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
            ("fuse_unk", .bool(sp)), ("byte_fallback", .bool(sp)), ("ignore_merges", .bool(false)),
            ("vocab", .object(vocab)), ("merges", .array(mergeList)),
        ])
        let preTokenizer: OrderedJSON, postProcessor: OrderedJSON, decoder: OrderedJSON
        if sp {
            preTokenizer = .object([
                ("type", .string("Sequence")),
                (
                    "pretokenizers",
                    .array([
                        .object([
                            ("type", .string("Metaspace")), ("replacement", .string("\u{2581}")),
                            ("prepend_scheme", .string("first")), ("split", .bool(true)),
                        ]),
                        .object([("type", .string("Digits")), ("individual_digits", .bool(true))]),
                    ])
                ),
            ])
            if let bos, let bosID = specials.firstIndex(of: bos) {
                let special: OrderedJSON = .object([
                    (
                        bos,
                        .object([
                            ("id", .string(bos)), ("ids", .array([.int(bosID)])), ("tokens", .array([.string(bos)])),
                        ])
                    )
                ])
                func item(_ s: String?, _ t: Int) -> OrderedJSON {
                    s.map { .object([("SpecialToken", .object([("id", .string($0)), ("type_id", .int(t))]))]) }
                        ?? .object([("Sequence", .object([("id", .string(t == 0 ? "A" : "B")), ("type_id", .int(t))]))])
                }
                postProcessor = .object([
                    ("type", .string("TemplateProcessing")),
                    ("single", .array([item(bos, 0), item(nil, 0)])),
                    ("pair", .array([item(bos, 0), item(nil, 0), item(bos, 1), item(nil, 1)])),
                    ("special_tokens", special),
                ])
            } else {
                postProcessor = .null
            }
            decoder = .object([
                ("type", .string("Sequence")),
                (
                    "decoders",
                    .array([
                        .object([
                            ("type", .string("Replace")), ("pattern", .object([("String", .string("\u{2581}"))])),
                            ("content", .string(" ")),
                        ]),
                        .object([("type", .string("ByteFallback"))]),
                        .object([("type", .string("Fuse"))]),
                        .object([
                            ("type", .string("Strip")), ("content", .string(" ")), ("start", .int(1)),
                            ("stop", .int(0)),
                        ]),
                    ])
                ),
            ])
        } else {
            preTokenizer = .object([
                ("type", .string("ByteLevel")), ("add_prefix_space", .bool(false)),
                ("trim_offsets", .bool(true)), ("use_regex", .bool(true)),
            ])
            postProcessor = .object([
                ("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                ("trim_offsets", .bool(false)), ("use_regex", .bool(true)),
            ])
            decoder = .object([
                ("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                ("trim_offsets", .bool(true)), ("use_regex", .bool(true)),
            ])
        }
        let tokenizer: OrderedJSON = .object([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", .array(added)),
            ("normalizer", .null), ("pre_tokenizer", preTokenizer), ("post_processor", postProcessor),
            ("decoder", decoder),
            ("model", model),
        ])
        var roles = [(String, OrderedJSON)]()
        for (key, value) in [("bos_token", bos), ("eos_token", eos), ("unk_token", unk), ("pad_token", pad)] {
            if let value { roles.append((key, .string(value))) }
        }
        let others = specials.filter { ![bos, eos, unk, pad].contains($0) }
        var map = roles
        if !others.isEmpty { map.append(("additional_special_tokens", .array(others.map { .string($0) }))) }
        let addedDecoder: [(String, OrderedJSON)] = specials.enumerated().map { i, s in
            (
                String(i),
                .object([
                    ("content", .string(s)), ("lstrip", .bool(false)), ("normalized", .bool(false)),
                    ("rstrip", .bool(false)), ("single_word", .bool(false)), ("special", .bool(true)),
                ])
            )
        }
        let config: OrderedJSON = .object(
            [("tokenizer_class", .string("PreTrainedTokenizerFast"))] + roles + [
                ("add_bos_token", .bool(sp && bos != nil)), ("add_eos_token", .bool(false)),
                ("clean_up_tokenization_spaces", .bool(false)), ("model_max_length", .int(1_000_000_000)),
                ("added_tokens_decoder", .object(addedDecoder)),
            ] + (others.isEmpty ? [] : [("additional_special_tokens", .array(others.map { .string($0) }))]))
        return TrainedTokenizer(
            tokenizerJSON: tokenizer.bytes(), tokenizerConfigJSON: config.bytes(),
            specialTokensMapJSON: OrderedJSON.object(map).bytes(), vocabularySize: pieces.count,
            mergeCount: merges.count)
    }
}
