/// What to train and how (see `TokenizerTrainer`).
public struct TokenizerTrainingOptions: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// SentencePiece-style BPE as the paper trained for Tatar (`--model_type=bpe --byte_fallback
        /// --split_digits --character_coverage=1.0`): `▁` word marker, every character seen kept, `<0x00>`…`<0xFF>`
        /// byte pieces, digits never merged; written like Llama/Mistral's tokenizer.json (bos template).
        case sentencePieceBPE = "sentencepiece-bpe"
        /// Byte-level BPE (HF `BpeTrainer` with the GPT-2 pre-tokenizer and the full 256-byte alphabet).
        case byteLevelBPE = "byte-level-bpe"
    }

    public var kind: Kind
    public var vocabSize: Int
    /// Pairs seen fewer times than this are never merged.
    public var minFrequency: Int
    /// Special tokens, ids 0… in this order. Defaults: `<unk> <s> </s> <pad>` (sentencepiece-bpe),
    /// `<|endoftext|> <pad>` (byte-level-bpe). Extra chat tokens (e.g. `<|im_start|>`) go here too.
    public var specialTokens: [String]
    /// Longest piece, in characters (SentencePiece's `max_sentencepiece_length`, 16); nil = unlimited.
    public var maxTokenLength: Int?
    /// Memory bound for word counting: beyond this many distinct words the rarest are dropped.
    public var maxDistinctWords: Int
    public var threads: Int

    public init(
        kind: Kind, vocabSize: Int, minFrequency: Int = 2, specialTokens: [String]? = nil,
        maxTokenLength: Int? = nil, maxDistinctWords: Int = 4_000_000, threads: Int = 0
    ) {
        self.kind = kind
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        switch kind {
        case .sentencePieceBPE:
            self.specialTokens = specialTokens ?? ["<unk>", "<s>", "</s>", "<pad>"]
            self.maxTokenLength = maxTokenLength ?? 16
        case .byteLevelBPE:
            self.specialTokens = specialTokens ?? ["<|endoftext|>", "<pad>"]
            self.maxTokenLength = maxTokenLength
        }
        self.maxDistinctWords = maxDistinctWords
        self.threads = threads
    }
}
