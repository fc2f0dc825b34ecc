import Foundation

/// When a workspace's corpus changes, when to run the refresh cycle (align → map → refresh rows → checkpoint).
/// Bursts of files are absorbed by the debounce window; small trickles wait for `minNewPairs` or `maxInterval`.
struct RefreshPolicy: Sendable, Equatable {
    /// Quiet time after the last corpus change before refreshing.
    var debounce: Double
    /// Refresh as soon as this many pair events are pending (after the debounce).
    var minNewPairs: Int
    /// Refresh anyway once the oldest pending change is this old (seconds).
    var maxInterval: Double

    /// - Parameters:
    ///   - pendingEvents: pair additions/retractions not yet in the alignment state.
    ///   - firstPendingAt / lastChangeAt: when the oldest pending change and the newest change happened.
    ///   - forced: `transtok refresh` asked for a cycle now.
    func shouldRefresh(pendingEvents: Int, firstPendingAt: Date?, lastChangeAt: Date?, now: Date, forced: Bool) -> Bool
    {
        if forced { return true }
        guard pendingEvents > 0 else { return false }
        if let lastChangeAt, now.timeIntervalSince(lastChangeAt) < debounce { return false }
        if pendingEvents >= minNewPairs { return true }
        if let firstPendingAt, now.timeIntervalSince(firstPendingAt) >= maxInterval { return true }
        return false
    }
}
