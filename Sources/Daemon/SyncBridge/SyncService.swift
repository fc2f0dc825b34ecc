import Entities
import Foundation
import Logging
import ServiceLifecycle
import Store
import Sync
import SyncStore
import Synchronization
import Systems

/// Hands published checkpoints to one `SyncWorker` per workspace that names a remote. Uploads run on Sync's own
/// threads; this service owns the workers' lifetime (it stops last, after the pipeline).
///
/// Workers can be added or replaced while the daemon runs (a workspace created with a remote, a remote attached
/// later): `retarget` swaps a worker in (or out), and `run()`'s task group receives new workers through an
/// `AsyncStream` and runs each as a child task, so every worker is still a structured child of this service.
final class SyncService: Service, CustomStringConvertible, Sendable {
    var description: String { "SyncService" }

    /// A running worker and the remote it uploads to; finishing `retired` stops it (its child task cancels it).
    private struct Slot: Sendable {
        var remote: String
        var worker: SyncWorker
        var retired: AsyncStream<Void>
        var retire: AsyncStream<Void>.Continuation
    }

    private let slots = Mutex<[String: Slot]>([:])
    /// Where a workspace's remote changes (store write + worker swap), one at a time and in order: a serial queue on
    /// its own thread, so a change waiting for the store blocks neither the cooperative pool nor a lock anyone else
    /// takes (`slots` is only held for in-memory swaps).
    private let changes = DispatchQueue(label: "transtok.sync.changes")
    private let additions: AsyncStream<Slot>
    private let additionsContinuation: AsyncStream<Slot>.Continuation
    private let store: Store
    private let keepCheckpoints: Int
    private let logger: Logger

    /// Builds workers for the workspaces whose `remote` is known. Credentials come from the environment or the
    /// remote's 0600 credentials file; a missing or unsafe credential is a start-up error naming the remote, never
    /// the secret.
    init(registry: RemoteRegistry, store: Store, keepCheckpoints: Int, logger: Logger) throws {
        self.store = store
        self.keepCheckpoints = keepCheckpoints
        self.logger = logger
        let (additions, additionsContinuation) = AsyncStream.makeStream(of: Slot.self)
        self.additions = additions
        self.additionsContinuation = additionsContinuation
        let remotes = Dictionary(uniqueKeysWithValues: try registry.all().map { ($0.settings.name, $0.settings) })
        for workspace in try store.workspaces() {
            guard let name = workspace.spec.remote else { continue }
            guard let remote = remotes[name] else {
                logger.error(
                    "workspace names an unknown remote; not syncing",
                    metadata: [
                        "workspace": "\(workspace.spec.name)", "remote": "\(name)",
                    ])
                continue
            }
            let worker: SyncWorker
            do { worker = try makeWorker(remote, workspace: workspace.spec.name) } catch {
                throw DaemonError.startup("\(error) (workspace \(workspace.spec.name))")
            }
            install(worker, remote: name, workspace: workspace.spec.name)
            // A checkpoint whose upload a restart interrupted is published now (an already published one costs a
            // HEAD request).
            if let latest = try store.checkpoints(workspaceID: workspace.id).first {
                worker.enqueue(directory: latest.path, name: CheckpointPublisher.name(for: latest.number))
            }
        }
    }

    /// A worker for `workspace` on `remote`, not yet running. Fails (naming the remote) if it cannot be used.
    func makeWorker(_ remote: RemoteSpec, workspace: String) throws(RemoteUnusableError) -> SyncWorker {
        let client = try remote.makeClient(workspace: workspace, logger: logger)
        var policy = SyncWorker.Policy()
        policy.keepLast = keepCheckpoints
        let journal = GRDBSyncJournal(store.pool)
        return SyncWorker(
            sync: CheckpointSync(client: client, journal: journal), policy: policy, queueJournal: journal,
            logger: logger)
    }

    /// Changes the remote a workspace syncs to: `save` records it in the store, then the worker starts, is replaced
    /// or stops at once. Changes run one at a time on the `changes` queue, so concurrent ones leave the running worker
    /// matching the store. A cancelled caller (a request past its time limit) stops waiting; the change still
    /// completes, store and worker together.
    func retarget(
        _ workspace: String, to remote: String?, worker: SyncWorker?,
        save: @escaping @Sendable () throws -> WorkspaceRecord
    ) async throws -> WorkspaceRecord {
        try await Blocking.detachable(on: changes) {
            try self.applyChange(workspace, to: remote, worker: worker, save: save)
        }
    }

    /// `retarget` for a caller on a thread that may block (the pipeline's work queue), never the cooperative pool.
    func retargetBlocking(
        _ workspace: String, to remote: String?, worker: SyncWorker?, save: () throws -> WorkspaceRecord
    ) throws -> WorkspaceRecord {
        try changes.sync { try applyChange(workspace, to: remote, worker: worker, save: save) }
    }

    /// One change, on the `changes` queue.
    private func applyChange(
        _ workspace: String, to remote: String?, worker: SyncWorker?, save: () throws -> WorkspaceRecord
    ) throws -> WorkspaceRecord {
        dispatchPrecondition(condition: .onQueue(changes))
        let record = try save()
        if self.remote(of: workspace) != remote { try attach(worker, remote: remote, workspace: record) }
        return record
    }

    /// Starts syncing `workspace` with `worker` now, replacing (and stopping) a previous worker; nil stops syncing.
    /// The workspace's newest checkpoint is queued at once, so attaching a remote publishes what already exists.
    private func attach(_ worker: SyncWorker?, remote: String?, workspace: WorkspaceRecord) throws {
        let previous: SyncWorker?
        if let worker, let remote {
            previous = install(worker, remote: remote, workspace: workspace.spec.name)
            if let latest = try store.checkpoints(workspaceID: workspace.id).first {
                enqueue(workspace: workspace.spec.name, checkpoint: latest)
            }
        } else {
            let removed = slots.withLock { $0.removeValue(forKey: workspace.spec.name) }
            removed?.retire.finish()
            previous = removed?.worker
        }
        if let previous, previous.scope != worker?.scope { forgetQueue(of: previous) }
        logger.info(
            "workspace sync target changed",
            metadata: [
                "workspace": "\(workspace.spec.name)", "remote": "\(remote ?? "none")",
            ])
    }

    /// Runs `worker` for `workspace`; returns the worker it replaced (stopped).
    @discardableResult
    private func install(_ worker: SyncWorker, remote: String, workspace: String) -> SyncWorker? {
        let (retired, retire) = AsyncStream.makeStream(of: Void.self)
        let slot = Slot(remote: remote, worker: worker, retired: retired, retire: retire)
        let previous = slots.withLock { $0.updateValue(slot, forKey: workspace) }
        previous?.retire.finish()
        additionsContinuation.yield(slot)
        return previous?.worker
    }

    /// A replaced or detached worker's queued uploads are forgotten, journal rows included: the workspace no longer
    /// syncs there, and its `sync_pending` rows would otherwise stay forever (and be retried if the same destination
    /// were ever attached again, naming directories of another time).
    private func forgetQueue(of worker: SyncWorker) {
        let journal = GRDBSyncJournal(store.pool)
        do {
            let pending = try journal.pending(scope: worker.scope)
            for entry in pending { try journal.remove(scope: entry.scope, checkpoint: entry.checkpoint) }
            if !pending.isEmpty {
                logger.info(
                    "queued uploads dropped with the old sync target",
                    metadata: ["sync.scope": "\(worker.scope)", "sync.dropped": "\(pending.map(\.checkpoint))"])
            }
        } catch {
            logger.warning(
                "cannot drop the old sync target's queue",
                metadata: ["sync.scope": "\(worker.scope)", "error": "\(error)"])
        }
    }

    /// Queues a published checkpoint for upload (no-op for workspaces without a remote).
    func enqueue(workspace: String, checkpoint: CheckpointRecord) {
        guard let worker = slots.withLock({ $0[workspace]?.worker }) else { return }
        worker.enqueue(directory: checkpoint.path, name: CheckpointPublisher.name(for: checkpoint.number))
    }

    func status() -> [String: SyncStatus] { slots.withLock { $0.mapValues { $0.worker.status() } } }

    func hasRemote(_ workspace: String) -> Bool { slots.withLock { $0[workspace] != nil } }

    /// The remote a workspace's running worker uploads to.
    func remote(of workspace: String) -> String? { slots.withLock { $0[workspace]?.remote } }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            // Until graceful shutdown: every worker built so far (start-up ones are already buffered) and every
            // one attached later becomes a child task.
            for await slot in additions.cancelOnGracefulShutdown() {
                group.addTask { await Self.run(slot) }
            }
            // Shutdown: cancel the workers (an upload in flight stops at a part boundary; the journal lets the
            // next start resume it).
            group.cancelAll()
        }
    }

    /// Runs one worker until it is retired (replaced or detached) or the service is cancelled.
    private static func run(_ slot: Slot) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await slot.worker.run() }
            for await _ in slot.retired {}
            group.cancelAll()
        }
    }
}
