import Foundation
import Logging
import Store
import Systems

/// The tuning of every workspace, owned by the pipeline service (so it outlives a dropped `WorkspacePipeline`).
final class TuningRegistry: Sendable {
    private let byWorkspace = Locked<[Int64: WorkspaceTuning]>([:])
    let store: Store
    let stateDirectory: String
    let threads: Int
    let logger: Logger

    init(store: Store, stateDirectory: String, threads: Int, logger: Logger) {
        self.store = store
        self.stateDirectory = stateDirectory
        self.threads = threads
        self.logger = logger
    }

    func tuning(for workspaceID: Int64) -> WorkspaceTuning {
        byWorkspace.withLock { byWorkspace in
            if let existing = byWorkspace[workspaceID] { return existing }
            let created = WorkspaceTuning(
                workspaceID: workspaceID, store: store, stateDirectory: stateDirectory, threads: threads,
                logger: logger)
            byWorkspace[workspaceID] = created
            return created
        }
    }

    /// A rebuild or deletion: the workspace's run stops and its in-memory tuner is dropped.
    func forget(_ workspaceID: Int64) {
        let tuning = byWorkspace.withLock { $0.removeValue(forKey: workspaceID) }
        tuning?.forget()
    }

    /// Shutdown: every run stops after its current step and saves its state (resumed at the next start).
    func stopAll() {
        for tuning in byWorkspace.withLock({ Array($0.values) }) { tuning.stop(.shutdown) }
    }
}
