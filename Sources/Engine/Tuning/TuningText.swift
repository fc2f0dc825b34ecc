/// Text turned into one token stream for tuning or scoring. Lines are joined with newlines (and end with one) and
/// encoded in blocks of `linesPerBlock` lines (no special tokens), so line breaks tokenize as they do when a whole
/// file is scored (`transtok eval`, `Evaluator.evaluate(text:)`). `byteCounts[i]` is the UTF-8 length token `i`
/// stands for, so bits per byte count the bytes of exactly the tokens scored.
public struct TuningText: Sendable {
    public let tokens: [Int]
    public let byteCounts: [Int]

    public init(lines: [String], codec: any TokenCodec, linesPerBlock: Int = 64) {
        var tokens: [Int] = []
        let kept = lines.filter { !$0.isEmpty }
        for start in stride(from: 0, to: kept.count, by: max(1, linesPerBlock)) {
            let block = kept[start..<min(kept.count, start + max(1, linesPerBlock))]
            tokens += codec.encodeIDs(block.joined(separator: "\n") + "\n")
        }
        self.tokens = tokens
        byteCounts = tokens.map { codec.tokenBytes($0).count }
    }

    public init(tokens: [Int], byteCounts: [Int]) throws {
        guard tokens.count == byteCounts.count else {
            throw TuningError.invalidBatch("\(tokens.count) tokens but \(byteCounts.count) byte counts")
        }
        self.tokens = tokens
        self.byteCounts = byteCounts
    }

    public var bytes: Int { byteCounts.reduce(0, +) }

    /// The last `fraction` of `lines` (at most `maxLines`, at least one line when there are two or more) held out
    /// for scoring, the rest for training: a contiguous tail, so the held-out text is not interleaved with training
    /// text (consecutive lines of a corpus share names and phrasing). Deterministic.
    public static func splitTail(_ lines: [String], fraction: Double, maxLines: Int) -> (
        train: [String], heldOut: [String]
    ) {
        guard lines.count >= 2, fraction > 0, maxLines > 0 else { return (lines, []) }
        let count = min(max(1, Int((Double(lines.count) * fraction).rounded())), maxLines, lines.count - 1)
        return (Array(lines.dropLast(count)), Array(lines.suffix(count)))
    }
}

/// Where the tuner's batches come from: an endless (or finite) stream of equal-shaped batches.
public protocol TuningBatchSource {
    /// The next batch, or nil when the source is exhausted.
    mutating func nextBatch() throws -> TokenBatch?
}

/// Fixed-length chunks of a token stream (`length` tokens each, consecutive chunks overlap by one token so every
/// token after the first is predicted once per epoch), `sequences` chunks per batch, visited in a fresh seeded
/// random order each epoch, forever.
public struct TokenChunkStream: TuningBatchSource, Sendable {
    public let length: Int
    public let sequences: Int
    private let tokens: [Int]
    private let starts: [Int]
    private var order: [Int]
    private var position = 0
    private var random: SeededRandom
    public private(set) var epoch = 0

    public init(tokens: [Int], length: Int, sequences: Int, seed: UInt64 = 0x7475_6e65) throws {
        guard length >= 2, sequences >= 1 else {
            throw TuningError.invalidOptions(
                "batches need length ≥ 2 and at least one sequence, found \(length) × \(sequences)")
        }
        let starts = Array(stride(from: 0, through: tokens.count - length, by: length - 1))
        guard starts.count >= sequences else {
            throw TuningError.notEnoughText(
                "\(tokens.count) tokens make \(starts.count) chunks of \(length); a batch needs \(sequences)")
        }
        self.length = length
        self.sequences = sequences
        self.tokens = tokens
        self.starts = starts
        self.random = SeededRandom(seed: seed)
        self.order = Array(starts.indices)
        shuffle()
    }

    /// Chunks per epoch.
    public var chunkCount: Int { starts.count }

    private mutating func shuffle() { random.shuffle(&order) }

    public mutating func nextBatch() throws -> TokenBatch? {
        var batch: [[Int]] = []
        while batch.count < sequences {
            if position == order.count {
                position = 0
                epoch += 1
                shuffle()
            }
            let s = starts[order[position]]
            batch.append(Array(tokens[s..<(s + length)]))
            position += 1
        }
        return try TokenBatch(batch)
    }
}

/// Held-out text cut into consecutive windows of `length` tokens (the last one shorter); every token of a window
/// after its first is scored, with the window's earlier tokens as context.
public struct HeldOutSet: Sendable {
    public let windows: [[Int]]
    /// UTF-8 bytes of the scored tokens.
    public let bytes: Int
    public let scoredTokens: Int

    public init(text: TuningText, length: Int) throws {
        guard length >= 2 else {
            throw TuningError.invalidOptions("held-out windows need at least 2 tokens, found \(length)")
        }
        var windows: [[Int]] = []
        var bytes = 0, scored = 0
        var start = 0
        while start + 1 < text.tokens.count {
            let end = min(start + length, text.tokens.count)
            windows.append(Array(text.tokens[start..<end]))
            bytes += text.byteCounts[(start + 1)..<end].reduce(0, +)
            scored += end - start - 1
            start = end
        }
        guard !windows.isEmpty else {
            throw TuningError.notEnoughText("the held-out text has \(text.tokens.count) tokens")
        }
        self.windows = windows
        self.bytes = bytes
        self.scoredTokens = scored
    }
}

/// A model's score on a `HeldOutSet`.
public struct HeldOutScore: Sendable, Equatable {
    public var totalNLL: Double
    public var scoredTokens: Int
    public var bytes: Int
    public var meanNLL: Double { totalNLL / Double(scoredTokens) }
    public var bitsPerByte: Double { totalNLL / _ln2 / Double(bytes) }
}

private let _ln2 = 0.6931471805599453
