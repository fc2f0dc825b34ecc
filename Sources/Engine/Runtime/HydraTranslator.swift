import Foundation

/// Zero-shot translation with a Hydra checkpoint (paper §3): the input table is `[E_tgt ; E_src]`, the head is
/// `U_tgt`. The prompt, encoded with the *source* tokenizer, enters through the source rows (id + offset); every
/// generated id comes from the target head and is fed back through the target rows (ids unchanged); generation
/// stops at the target EOS.
public struct HydraTranslator: Sendable {
    public let model: LlamaModel
    public let sourceOffset: Int

    public init(model: LlamaModel) throws {
        guard let offset = model.config.hydraSourceOffset else {
            throw RuntimeError.invalidConfig(
                "not a Hydra checkpoint: config.json has no input_vocab_size/hydra_source_offset")
        }
        self.model = model
        self.sourceOffset = offset
    }

    /// Source-tokenizer ids as rows of the input table.
    public func inputIDs(source ids: [Int]) throws -> [Int] {
        let limit = model.config.inputVocabularySize
        return try ids.map { id in
            let row = id + sourceOffset
            guard id >= 0, row < limit else { throw RuntimeError.tokenOutOfRange(id: row, vocabulary: limit) }
            return row
        }
    }

    /// Translates a prompt given as source-tokenizer ids; returns target-tokenizer ids. `options.stopTokens` adds to
    /// the target EOS ids from the config.
    public func translate(
        sourcePrompt ids: [Int], options: GenerationOptions = GenerationOptions(),
        onToken: (Int) -> Bool = { _ in true }
    ) throws -> Generation {
        try Generator(model: model).generate(prompt: try inputIDs(source: ids), options: options, onToken: onToken)
    }

    public func stream(sourcePrompt ids: [Int], options: GenerationOptions = GenerationOptions()) throws
        -> AsyncThrowingStream<GenerationEvent, Error>
    {
        Generator(model: model).stream(prompt: try inputIDs(source: ids), options: options)
    }

    /// The instruction the Tweeties Hydra models expect (TowerInstruct's), to be wrapped in the chat template.
    public static func instruction(text: String, sourceLanguage: String, targetLanguage: String) -> String {
        "Translate the following text from \(sourceLanguage) into \(targetLanguage).\n\(sourceLanguage): \(text)\n\(targetLanguage):"
    }

    /// The English name of a language code for the prompt ("es" → "Spanish"); the code itself when unknown.
    public static func languageName(_ code: String) -> String {
        Locale(identifier: "en").localizedString(forLanguageCode: code) ?? code
    }

    /// The whole prompt `translate(text:…)` encodes with the source tokenizer (and translation tuning trains on):
    /// the `style`'s instruction as one user turn of `template` when there is one (`echoRepeated`: the request, its
    /// exact answer, the request again).
    public static func prompt(
        text: String, sourceLanguage: String, targetLanguage: String, template: ChatTemplate?,
        style: HydraPromptStyle
    ) -> String {
        switch style {
        case .instruction:
            let instruction = Self.instruction(
                text: text, sourceLanguage: sourceLanguage, targetLanguage: targetLanguage)
            return template?.render([ChatMessage(.user, instruction)]) ?? instruction
        case .echo:
            let echo = Self.echo(text: text, sourceLanguage: sourceLanguage)
            return template?.render([ChatMessage(.user, echo)]) ?? echo
        case .echoRepeated:
            let echo = Self.echo(text: text, sourceLanguage: sourceLanguage)
            if let template {
                return template.render([
                    ChatMessage(.user, echo), ChatMessage(.assistant, text), ChatMessage(.user, echo),
                ])
            }
            return echo + " " + text + "\n\n" + echo
        }
    }

    /// The echo prompt: asks the model to repeat `text` (source language in, "source language" out). The target
    /// rows are weighted sums of the source rows of their aligned source tokens, so a body that repeats the source
    /// text predicts, through the target head, the target tokens aligned to each source word.
    public static func echo(text: String, sourceLanguage: String) -> String {
        "Repeat the following \(sourceLanguage) text exactly.\n\(sourceLanguage): \(text)\n\(sourceLanguage):"
    }
}

/// How `HydraTranslator.translate(text:…)` words its prompt. The method builds each target row from the source rows
/// of the words it is aligned to, so the target head renders what the body would say in the source language: a body
/// asked to repeat the source text says its words in order, and the head turns them into the target language. Asked
/// to translate, a body that knows a little of the target language predicts its own target-language tokens, which
/// the mapped rows do not represent. `echoRepeated` is the default. Measured on 40 held-out en–es verses with
/// SmolLM2-135M-Instruct, untuned rows, the chat template (docs/method.md § Hydra prompt, § the Hydra head's
/// log-prior): chrF 9.8 (instruction), 18.8 (echo), 27.9 (repeated echo with the head's log-prior).
public enum HydraPromptStyle: String, Sendable, CaseIterable {
    /// "Translate … from X into Y" (the paper's and TowerInstruct's instruction).
    case instruction
    /// "Repeat the following X text exactly" (see `HydraTranslator.echo`).
    case echo
    /// The echo prompt after one exchange in which it was answered exactly (the same text, read through the source
    /// rows): the body has seen the text repeated once, so it copies it again instead of paraphrasing.
    case echoRepeated = "echo-repeated"
}
