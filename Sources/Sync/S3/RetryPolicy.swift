import Foundation
import Synchronization

/// Exponential backoff with full jitter, a per-request attempt limit, and a shared per-sync budget.
public struct RetryPolicy: Sendable {
    /// Attempts per request, the first one included.
    public var maxAttempts: Int = 6
    public var baseDelay: Double = 0.2
    public var maxDelay: Double = 10
    /// Retries allowed across one whole sync (all requests together).
    public var syncBudget: Int = 100

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.2, maxDelay: Double = 10, syncBudget: Int = 100) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.syncBudget = syncBudget
    }

    /// Delay before retry number `retry` (1 = first retry): uniform in [0, min(max, base·2^(retry-1))].
    public func delay(beforeRetry retry: Int) -> Double {
        let cap = min(maxDelay, baseDelay * pow(2, Double(max(0, retry - 1))))
        return Double.random(in: 0...cap)
    }
}

/// Retries left for one sync, shared by all its workers.
public final class RetryBudget: Sendable {
    private let remaining: Atomic<Int>
    private let used = Atomic<Int>(0)

    public init(_ total: Int) { remaining = Atomic(total) }

    /// Takes one retry; false when the budget is spent.
    public func take() -> Bool {
        let after = remaining.subtract(1, ordering: .relaxed).newValue
        if after < 0 { return false }
        used.add(1, ordering: .relaxed)
        return true
    }

    public var retriesUsed: Int { used.load(ordering: .relaxed) }
}
