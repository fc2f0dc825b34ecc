import Foundation
import Store
import Synchronization

/// Records a running job's progress in the store without making the pipeline wait for the database: while the
/// cycle's alignment state (a large blob) is being written, a synchronous progress update would queue behind it.
/// Updates are coalesced (only the newest is written) on a serial queue; `flush()` waits for the last one, so a
/// job's final state is never overwritten by a late progress update.
final class JobProgressWriter: Sendable {
    private let store: Store
    private let job: Int64
    private let queue = DispatchQueue(label: "transtok.job-progress")
    private let latest = Mutex<(progress: Double, message: String)?>(nil)

    init(store: Store, job: Int64) {
        self.store = store
        self.job = job
    }

    func report(_ progress: Double, _ message: String) {
        let scheduled = latest.withLock { pending in
            defer { pending = (progress, message) }
            return pending != nil // a write is already queued: it will pick up this newer value
        }
        guard !scheduled else { return }
        queue.async { [self] in
            guard
                let update = latest.withLock({ pending in
                    defer { pending = nil }
                    return pending
                })
            else { return }
            // Progress is advisory: a failed update must not fail the cycle (its final state is written apart).
            try? store.updateJob(job, progress: update.progress, message: update.message)
        }
    }

    /// Waits until every reported update has been written.
    func flush() { queue.sync {} }
}
