import Foundation
import Logging
import ServiceLifecycle
import Store
import Sync

/// Hands published checkpoints to one `SyncWorker` per workspace that names a remote. Uploads run on Sync's own
/// threads; this service only owns the workers' lifetime (it stops last, after the pipeline).
final class SyncService: Service, CustomStringConvertible, @unchecked Sendable {
    var description: String { "SyncService" }
    private let workers: [String: SyncWorker]
    private let logger: Logger

    /// Builds workers for the workspaces whose `remote` is configured. Credentials come from the environment or the
    /// remote's 0600 credentials file; a missing or unsafe credential is a start-up error naming the remote, never
    /// the secret.
    init(config: DaemonConfig, store: Store, logger: Logger) throws {
        self.logger = logger
        var workers: [String: SyncWorker] = [:]
        let remotes = Dictionary(uniqueKeysWithValues: config.remotes.map { ($0.name, $0) })
        for workspace in try store.workspaces() {
            guard let name = workspace.spec.remote else { continue }
            guard let remote = remotes[name] else {
                logger.error("workspace names an unknown remote; not syncing", metadata: [
                    "workspace": "\(workspace.spec.name)", "remote": "\(name)",
                ])
                continue
            }
            let addressing: AddressingStyle? = switch remote.addressing {
            case "virtual", "virtual-hosted": .virtualHosted
            case "path": .path
            default: nil
            }
            do {
                let remoteConfig = try RemoteConfig.parse(
                    remote.url, endpoint: remote.endpoint, region: remote.region, addressing: addressing)
                let credentials = try CredentialsLoader.load(file: remote.credentialsFile, profile: remote.profile)
                let client = S3Client(config: remoteConfig, credentials: credentials, logger: logger)
                let sync = CheckpointSync(client: client, journal: SyncJournal(store.pool))
                var policy = SyncWorker.Policy()
                policy.keepLast = config.keepCheckpoints
                workers[workspace.spec.name] = SyncWorker(sync: sync, policy: policy, logger: logger)
            } catch {
                throw DaemonError.startup("remote \(name) (workspace \(workspace.spec.name)): \(error)")
            }
        }
        self.workers = workers
    }

    /// Queues a published checkpoint for upload (no-op for workspaces without a remote).
    func enqueue(workspace: String, checkpoint: CheckpointRecord) {
        guard let worker = workers[workspace] else { return }
        worker.enqueue(directory: checkpoint.path, name: "\(workspace)/\(CheckpointPublisher.name(for: checkpoint.number))")
    }

    func status() -> [String: SyncStatus] { workers.mapValues { $0.status() } }

    func hasRemote(_ workspace: String) -> Bool { workers[workspace] != nil }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers.values {
                group.addTask { await worker.run() }
            }
            // Wait for shutdown, then cancel the workers (an upload in flight stops at a part boundary; the
            // journal lets the next start resume it).
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
