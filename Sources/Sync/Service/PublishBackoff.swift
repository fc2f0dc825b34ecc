import Foundation

/// How long a failed checkpoint publication waits before its next attempt: exponential from `initial`, capped at
/// `maximum`, with "equal jitter" (half the step fixed, half random), so the wait after n failures lies in
/// [step/2, step] where step = min(maximum, initial · 2^(n-1)). Retries never stop by themselves: a checkpoint is
/// retried until it is published or a newer checkpoint supersedes it.
public struct PublishBackoff: Sendable, Equatable {
    public var initial: Double
    public var maximum: Double

    public init(initial: Double = 5, maximum: Double = 900) {
        self.initial = max(0, initial)
        self.maximum = max(self.initial, maximum)
    }

    /// The uncapped-by-jitter step after `failures` failures (≥ 1).
    public func step(afterFailures failures: Int) -> Double {
        let exponent = Double(min(max(0, failures - 1), 60))
        return min(maximum, initial * pow(2, exponent))
    }

    /// The wait after `failures` failures; `unit` in [0, 1] is the random draw (tests pass it).
    public func delay(afterFailures failures: Int, unit: Double = Double.random(in: 0...1)) -> Double {
        let s = step(afterFailures: failures)
        return s / 2 + s / 2 * min(1, max(0, unit))
    }
}
