/// Text in, text out: a model with its tokenizer and chat format, for the CLI and the daemon.
public struct TextGenerator: Sendable {
    public let model: LlamaModel
    public let codec: any TokenCodec
    public let template: ChatTemplate?

    public init(model: LlamaModel, codec: any TokenCodec, template: ChatTemplate?) {
        self.model = model
        self.codec = codec
        self.template = template
    }

    /// The prompt ids and extra stop ids for `prompt`, wrapped as one user turn when `chat` (and a template exists).
    public func encode(prompt: String, chat: Bool, system: String? = nil) -> (ids: [Int], stops: Set<Int>) {
        guard chat, let template else { return (codec.encodeIDs(prompt), []) }
        var messages = [ChatMessage(.user, prompt)]
        if let system { messages.insert(ChatMessage(.system, system), at: 0) }
        let stops = Set(template.stopPieces.compactMap { codec.tokenID(forPiece: $0) })
        return (codec.encodeIDs(template.render(messages)), stops)
    }

    /// Generates a reply; `onText` receives whole-character pieces as they are decoded (return `false` to stop).
    public func generate(
        prompt: String, chat: Bool, system: String? = nil, options: GenerationOptions = GenerationOptions(),
        onText: (String) -> Bool = { _ in true }
    ) throws -> (text: String, generation: Generation) {
        let (ids, stops) = encode(prompt: prompt, chat: chat, system: system)
        var opts = options
        opts.stopTokens.formUnion(stops)
        var decoder = TextStreamDecoder(codec: codec)
        var text = ""
        let generation = try Generator(model: model).generate(prompt: ids, options: opts) { id in
            let piece = decoder.append(id)
            text += piece
            return piece.isEmpty || onText(piece)
        }
        let tail = decoder.finish()
        if !tail.isEmpty {
            text += tail
            _ = onText(tail)
        }
        return (text, generation)
    }
}

extension HydraTranslator {
    /// Translates `text`: the prompt (`style`, by default the repeated echo prompt, see `HydraPromptStyle`) is built
    /// in the source language's chat format and encoded with the source tokenizer; the output is decoded with the
    /// target tokenizer. `decoding` (by default `.sourcePaced`, see `HydraDecoding`) says whether the body then reads
    /// the source text unit by unit or generates freely; beam search (`options.beams` > 1) is free decoding. A target
    /// token holding a line break is never emitted when `text` has none (one line in, one line out: free decoding
    /// stops there) and, when the checkpoint records its corpus's length ratio, at most
    /// `lengthCap(sourceBytes:targetTokensPerSourceByte:)` tokens are: past the source text a small body goes on
    /// talking ("In other words, …") instead of ending its turn. The repeated echo prompt, twice as long as the echo,
    /// falls back to the echo when it and the output would not fit the model's context. Whitespace before the first
    /// word of the output is dropped unless `text` begins with whitespace.
    public func translate(
        text: String, sourceLanguage: String, targetLanguage: String, source: any TokenCodec,
        target: any TokenCodec, template: ChatTemplate?, style: HydraPromptStyle = .echoRepeated,
        decoding: HydraDecoding = .sourcePaced, lexicon: HydraLexicon? = nil,
        options: GenerationOptions = GenerationOptions(), onText: (String) -> Bool = { _ in true }
    ) throws -> (text: String, generation: Generation) {
        var options = options
        if let rate = model.config.hydraTargetTokensPerSourceByte, rate > 0 {
            options.maxTokens = min(
                options.maxTokens, Self.lengthCap(sourceBytes: text.utf8.count, targetTokensPerSourceByte: rate))
        }
        func encoded(_ style: HydraPromptStyle) -> [Int] {
            source.encodeIDs(
                Self.prompt(
                    text: text, sourceLanguage: sourceLanguage, targetLanguage: targetLanguage, template: template,
                    style: style))
        }
        let paced = decoding == .sourcePaced && options.beams == 1
        let textIDs = paced ? source.encodeIDs(text) : []
        var ids = encoded(style)
        let extra = paced ? textIDs.count + Self.tokensPerUnit : options.maxTokens
        if style == .echoRepeated, ids.count + extra > model.config.maxPositions { ids = encoded(.echo) }
        if !text.contains("\n") {
            for id in 0..<model.config.outputVocabularySize where target.tokenBytes(id).contains(0x0A) {
                options.stopTokens.insert(id)
            }
        }
        var decoder = TextStreamDecoder(codec: target)
        var out = ""
        // A target tokenizer with a SentencePiece dummy prefix writes the first word with a space ("▁En"): the
        // translation starts where the text does, so whitespace the text does not begin with is dropped.
        var atStart = !(text.first?.isWhitespace ?? false)
        func trimmed(_ piece: String) -> String {
            guard atStart else { return piece }
            let rest = String(piece.drop(while: \.isWhitespace))
            if !rest.isEmpty { atStart = false }
            return rest
        }
        let onToken: (Int) -> Bool = { id in
            let piece = trimmed(decoder.append(id))
            out += piece
            return piece.isEmpty || onText(piece)
        }
        let generation =
            paced
            ? try translateSourcePaced(
                sourcePrompt: ids, text: textIDs,
                unitStarts: SourceUnits.tokenStarts(text: text, ids: textIDs, codec: source), source: source,
                target: target, lexicon: lexicon, options: options, onToken: onToken)
            : try translate(sourcePrompt: ids, options: options, onToken: onToken)
        let tail = trimmed(decoder.finish())
        if !tail.isEmpty {
            out += tail
            _ = onText(tail)
        }
        return (out, generation)
    }
}

extension HydraTranslator {
    /// At most 1.5 × the expected length of a translation of `sourceBytes` bytes, plus 8 tokens.
    public static func lengthCap(sourceBytes: Int, targetTokensPerSourceByte rate: Double) -> Int {
        Int((1.5 * rate * Double(sourceBytes)).rounded(.up)) + 8
    }
}

extension Evaluator {
    /// Scores `text` tokenized by `codec`. With `context` (e.g. `[bos]`) every token is scored and the bytes are the
    /// whole text's; without, the first token is context and its bytes are not counted.
    public func evaluate(text: String, codec: any TokenCodec, context: [Int] = []) throws -> EvaluationResult {
        let ids = codec.encodeIDs(text)
        guard let first = ids.first else { throw RuntimeError.emptyInput("the text has no tokens") }
        let bytes = text.utf8.count - (context.isEmpty ? codec.tokenBytes(first).count : 0)
        return try evaluate(tokens: ids, context: context, bytes: bytes)
    }
}
