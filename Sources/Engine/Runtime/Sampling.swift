import Foundation

/// How the next token is chosen from logits. `temperature == 0` is greedy (argmax, lowest id on ties).
public struct SamplingOptions: Sendable, Equatable {
    public var temperature: Float
    /// Nucleus sampling: keep the smallest set of most likely tokens whose probabilities reach `topP`.
    public var topP: Float
    /// Keep only the `topK` most likely tokens (0 = no limit).
    public var topK: Int
    public var seed: UInt64

    public init(temperature: Float = 0, topP: Float = 1, topK: Int = 0, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
    }

    public static let greedy = SamplingOptions()
    public var isGreedy: Bool { temperature <= 0 }
}

/// A small, fast, seedable generator (SplitMix64), so sampled generations are reproducible across runs and
/// platforms.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Fisher–Yates with this generator: the same order on every platform and Swift version (the standard
    /// library's `shuffle(using:)` does not promise its algorithm).
    mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, Int(next() % UInt64(i + 1)))
        }
    }
}

/// Picks tokens from logits according to `SamplingOptions`, carrying its random state across steps.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var random: SeededRandom

    public init(_ options: SamplingOptions) {
        self.options = options
        random = SeededRandom(seed: options.seed)
    }

    public mutating func next<C: RandomAccessCollection>(_ logits: C) -> Int where C.Element == Float, C.Index == Int {
        if options.isGreedy { return Sampler.argmax(logits) }
        let t = options.temperature
        let base = logits.startIndex
        // Candidates by decreasing logit; a full sort is fine at vocabulary sizes of 10⁴–10⁵ per token.
        var order = Array(0..<logits.count)
        order.sort { logits[base + $0] > logits[base + $1] || (logits[base + $0] == logits[base + $1] && $0 < $1) }
        if options.topK > 0 { order = Array(order.prefix(options.topK)) }
        let top = Double(logits[base + order[0]])
        var probabilities = order.map { exp((Double(logits[base + $0]) - top) / Double(t)) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        var keep = probabilities.count
        if options.topP < 1 {
            var cumulative = 0.0
            for (i, p) in probabilities.enumerated() {
                cumulative += p
                if cumulative >= Double(options.topP) {
                    keep = i + 1
                    break
                }
            }
        }
        let mass = probabilities[..<keep].reduce(0, +)
        var u = random.unit() * mass
        for i in 0..<keep {
            u -= probabilities[i]
            if u < 0 { return order[i] }
        }
        return order[keep - 1]
    }

    /// Index of the largest value (relative to the collection's start); the first one on ties.
    public static func argmax<C: RandomAccessCollection>(_ values: C) -> Int where C.Element == Float, C.Index == Int {
        var best = values.startIndex
        var bestValue = -Float.infinity
        for i in values.indices where values[i] > bestValue {
            best = i
            bestValue = values[i]
        }
        return best - values.startIndex
    }
}

/// Log-probabilities of a logits row (log-softmax), in Double.
func logSoftmax<C: RandomAccessCollection>(_ logits: C) -> [Double] where C.Element == Float, C.Index == Int {
    let m = logits.max() ?? 0
    let sum = logits.reduce(0.0) { $0 + exp(Double($1 - m)) }
    let shift = Double(m) + log(sum)
    return logits.map { Double($0) - shift }
}
