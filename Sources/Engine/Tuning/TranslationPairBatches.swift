/// One example of the translation objective for a Hydra tuning model: the prompt as input-table rows (source
/// tokenizer ids shifted by the Hydra source offset, read through the frozen source rows) and the reference
/// translation as target-tokenizer ids (ending with the token generation stops at), the only tokens scored.
public struct TranslationExample: Sendable, Equatable {
    public let prompt: [Int]
    public let target: [Int]

    public init(prompt: [Int], target: [Int]) {
        self.prompt = prompt
        self.target = target
    }

    public var length: Int { prompt.count + target.count }
}

/// Batches of the translation objective: `sequences` examples per batch, each sequence the prompt followed by its
/// reference, padded at the end to the batch's longest (padding is never scored and, attention being causal, never
/// read by a scored position). The loss is on the reference tokens only, so the tuned target rows (input rows of
/// what was generated so far, and the head) learn to continue a prompt the body reads through the source rows with
/// the reference: the Hydra translation's own setting. Examples are visited in a fresh seeded order each epoch,
/// forever; within a window of 16 batches they are grouped by length so little of a batch is padding.
public struct TranslationPairBatches: TuningBatchSource, Sendable {
    public let sequences: Int
    private let examples: [TranslationExample]
    private let padding: Int
    private var order: [Int]
    private var pending: [[Int]] = []
    private var position = 0
    private var random: SeededRandom
    public private(set) var epoch = 0
    /// Examples left out because prompt + reference exceed `maxLength` (or the reference is empty).
    public let skipped: Int

    /// `padding`: any valid input-table id (e.g. the target EOS); it only fills positions after an example's end.
    public init(
        examples: [TranslationExample], sequences: Int, maxLength: Int, padding: Int, seed: UInt64 = 0x7472_616e
    ) throws {
        guard sequences >= 1, maxLength >= 2 else {
            throw TuningError.invalidOptions(
                "translation batches need ≥ 1 sequence of ≥ 2 tokens, found \(sequences) × \(maxLength)")
        }
        let kept = examples.filter { !$0.prompt.isEmpty && !$0.target.isEmpty && $0.length <= maxLength }
        guard kept.count >= sequences else {
            throw TuningError.notEnoughText(
                "\(kept.count) translation pairs fit \(maxLength) tokens (of \(examples.count)); a batch needs \(sequences)"
            )
        }
        self.examples = kept
        self.skipped = examples.count - kept.count
        self.sequences = sequences
        self.padding = padding
        self.random = SeededRandom(seed: seed)
        self.order = Array(kept.indices)
        random.shuffle(&order)
    }

    /// Examples per epoch.
    public var exampleCount: Int { examples.count }

    /// The next window of examples (up to 16 batches' worth, never across an epoch's end), grouped by length.
    private mutating func refill() {
        if position >= order.count {
            position = 0
            epoch += 1
            random.shuffle(&order)
        }
        let end = min(order.count, position + 16 * sequences)
        var window = Array(order[position..<end])
        position = end
        window.sort { (examples[$0].length, $0) < (examples[$1].length, $1) }
        var groups: [[Int]] = []
        var i = 0
        while i < window.count {
            groups.append(Array(window[i..<min(window.count, i + sequences)]))
            i += sequences
        }
        // Batch order within the window is shuffled too, so lengths do not rise step by step.
        random.shuffle(&groups)
        pending = groups
    }

    public mutating func nextBatch() throws -> TokenBatch? {
        if pending.isEmpty { refill() }
        let group = pending.removeFirst()
        let length = group.map { examples[$0].length }.max() ?? 2
        var rows: [[Int]] = [], scored: [Range<Int>] = []
        for index in group {
            let e = examples[index]
            rows.append(e.prompt + e.target + [Int](repeating: padding, count: length - e.length))
            scored.append(e.prompt.count..<e.length)
        }
        return try TokenBatch(rows, scored: scored)
    }
}

/// Two batch sources taken in turn: `every` − 1 batches of `main`, then one of `other` (`every` = 1: only `other`).
/// Either running dry ends the stream.
public struct InterleavedBatches<Main: TuningBatchSource, Other: TuningBatchSource>: TuningBatchSource {
    private var main: Main
    private var other: Other
    private let every: Int
    private var count = 0

    public init(main: Main, other: Other, every: Int) throws {
        guard every >= 1 else { throw TuningError.invalidOptions("interleaving needs every ≥ 1, found \(every)") }
        self.main = main
        self.other = other
        self.every = every
    }

    public mutating func nextBatch() throws -> TokenBatch? {
        count += 1
        if count % every == 0 { return try other.nextBatch() }
        return try main.nextBatch()
    }
}

extension TranslationExample {
    /// Parallel pairs as examples of the Hydra translation: the prompt `HydraTranslator.translate(text:…)` sends for
    /// the source side (`style` in `template`), encoded with `source` and shifted to the source rows at
    /// `sourceOffset`; the target side encoded with `target`, then `end` (the token generation should stop at).
    /// Language names are English ones (`HydraTranslator.languageName`).
    public static func examples(
        pairs: [(source: String, target: String)], source: any TokenCodec, target: any TokenCodec, sourceOffset: Int,
        end: Int, sourceLanguage: String, targetLanguage: String, template: ChatTemplate?, style: HydraPromptStyle
    ) -> [TranslationExample] {
        let sourceName = HydraTranslator.languageName(sourceLanguage)
        let targetName = HydraTranslator.languageName(targetLanguage)
        return pairs.map { pair in
            let prompt = HydraTranslator.prompt(
                text: pair.source, sourceLanguage: sourceName, targetLanguage: targetName, template: template,
                style: style)
            return TranslationExample(
                prompt: source.encodeIDs(prompt).map { $0 + sourceOffset },
                target: target.encodeIDs(pair.target) + [end])
        }
    }
}
