import Foundation
import Testing

@testable import Daemon

@Suite struct RefreshPolicyTests {
    let policy = RefreshPolicy(debounce: 10, minNewPairs: 100, maxInterval: 3600)
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test func waitsForTheDebounceWindow() {
        #expect(
            !policy.shouldRefresh(pendingEvents: 500, firstPendingAt: t0, lastChangeAt: t0, now: t0 + 5, forced: false))
        #expect(
            policy.shouldRefresh(pendingEvents: 500, firstPendingAt: t0, lastChangeAt: t0, now: t0 + 10, forced: false))
    }

    @Test func smallChangesWaitForEnoughPairsOrTheMaximumInterval() {
        #expect(
            !policy.shouldRefresh(pendingEvents: 20, firstPendingAt: t0, lastChangeAt: t0, now: t0 + 60, forced: false))
        #expect(
            policy.shouldRefresh(
                pendingEvents: 20, firstPendingAt: t0, lastChangeAt: t0 + 100, now: t0 + 3600, forced: false))
    }

    @Test func nothingPendingMeansNothingToDoUnlessForced() {
        #expect(!policy.shouldRefresh(pendingEvents: 0, firstPendingAt: nil, lastChangeAt: nil, now: t0, forced: false))
        #expect(policy.shouldRefresh(pendingEvents: 0, firstPendingAt: nil, lastChangeAt: t0, now: t0, forced: true))
    }
}
