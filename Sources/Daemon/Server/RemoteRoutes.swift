import ControlAPI
import Entities
import Foundation
import Hummingbird
import Logging
import Store
import Sync

/// `/v1/remotes` (list, add after a probe check, remove) and `/v1/workspaces/{name}/remote` (attach or detach).
/// No secret ever passes through here: the daemon reads credentials from its environment or a 0600 file.
struct RemoteRoutes: Sendable {
    let registry: RemoteRegistry
    let store: Store
    let sync: SyncService
    let status: StatusProvider

    func register(on routes: EndpointRouter) {
        routes.on(ControlEndpoints.ListRemotes.self) { _, _ in
            try await offPool { try list() }
        }
        routes.on(ControlEndpoints.AddRemote.self) { input, context in
            try await add(input.body, logger: context.logger)
        }
        routes.on(ControlEndpoints.RemoveRemote.self) { input, context in
            let logger = context.logger
            return try await offPool { try remove(input.path.name, logger: logger) }
        }
        routes.on(ControlEndpoints.SetWorkspaceRemote.self) { input, _ in
            let (name, store, status) = (input.path.name, self.store, self.status)
            let remote = input.body.remote
            _ = try await retarget(workspace: name, to: remote) {
                try store.setWorkspaceRemote(workspace: name, remote: remote)
            }
            guard let updated = try await offPool({ try status.status().workspaces.first(where: { $0.name == name }) })
            else {
                throw DaemonAPIError(.notFound, "no workspace named \(name)")
            }
            return updated
        }
    }

    func list() throws -> [RemoteStatus] {
        let users = Dictionary(
            grouping: try store.workspaces().compactMap { w in w.spec.remote.map { ($0, w.spec.name) } }
        ) {
            $0.0
        }.mapValues { $0.map(\.1) }
        return try registry.all().map { Self.status($0, workspaces: users[$0.settings.name] ?? []) }
    }

    /// Validates, checks (unless `check == false`) and saves a remote. Nothing is saved when a step fails.
    func add(_ body: RemoteRequest, logger: Logger) async throws -> RemoteAddResult {
        let settings = body.remote
        do { try settings.validate(key: "remote") } catch {
            guard case .invalid(let key, let message) = error else {
                throw DaemonAPIError(.invalidArgument, "\(error)")
            }
            throw DaemonAPIError(.invalidArgument, "\(key) \(message)")
        }
        let registry = self.registry
        if let existing = try await offPool({ try registry.named(settings.name) }) {
            throw DaemonAPIError(
                .conflict, "a remote named \(settings.name) already exists (\(Self.originText(existing.origin)))")
        }
        var steps: [RemoteCheckStep] = []
        if body.check ?? true {
            // Reads the credentials (a file, or a credential service): off the cooperative pool.
            let client: S3Client = try await offPool {
                do { return try settings.makeClient(retry: RetryPolicy(maxAttempts: 2), logger: logger) } catch {
                    throw DaemonAPIError(.invalidArgument, "\(error); nothing saved")
                }
            }
            steps = await RemoteCheck.run(client).map { RemoteCheckStep(name: $0.name, ok: $0.ok, detail: $0.detail) }
            let failed =
                steps.isEmpty
                ? RemoteCheckStep(name: "check", ok: false, detail: "the check could not run")
                : steps.first { !$0.ok }
            if let failed {
                logger.warning(
                    "remote check failed; not saved",
                    metadata: [
                        "remote": "\(settings.name)", "remote.url": "\(settings.url)", "check.step": "\(failed.name)",
                        "check.error": "\(failed.detail)",
                    ])
                throw DaemonAPIError(
                    .invalidArgument,
                    "remote \(settings.name) failed the check at \"\(failed.name)\": \(failed.detail); nothing saved")
            }
        }
        let saved = steps
        return try await offPool { try save(settings, steps: saved, logger: logger) }
    }

    private func save(_ settings: RemoteSpec, steps: [RemoteCheckStep], logger: Logger) throws -> RemoteAddResult {
        try store.insertRemote(settings)
        logger.info(
            "remote added",
            metadata: [
                "remote": "\(settings.name)", "remote.url": "\(settings.url)",
                "remote.endpoint": "\(settings.endpoint ?? "default")",
                "remote.checked": "\(!steps.isEmpty)",
            ])
        return RemoteAddResult(
            remote: Self.status(.init(settings: settings, origin: .api), workspaces: []), check: steps)
    }

    func remove(_ name: String, logger: Logger) throws -> RemoteStatus {
        guard let entry = try registry.named(name) else {
            throw DaemonAPIError(.notFound, "no remote named \(name) (see `transtok remote list`)")
        }
        guard entry.origin == .api else {
            throw DaemonAPIError(
                .invalidArgument, "remote \(name) is declared in the daemon's config file; remove it there")
        }
        try store.deleteRemote(named: name)
        logger.info("remote removed", metadata: ["remote": "\(name)"])
        return Self.status(entry, workspaces: [])
    }

    /// Points a workspace's sync at `remote` (nil: none): the remote must exist and be usable (credentials
    /// readable) before `save` changes the store; then the worker starts at once, without a restart. The store and
    /// the credentials file are read off the cooperative pool; `save` runs on `SyncService`'s change queue.
    func retarget(
        workspace name: String, to remote: String?, save: @escaping @Sendable () throws -> WorkspaceRecord
    ) async throws -> WorkspaceRecord {
        let (registry, sync) = (self.registry, self.sync)
        let worker: SyncWorker? = try await offPool {
            guard let remote else { return nil }
            guard let entry = try registry.named(remote) else {
                throw DaemonAPIError(
                    .notFound,
                    "no remote named \(remote) (see `transtok remote list`, add one with `transtok remote add`)")
            }
            do { return try sync.makeWorker(entry.settings, workspace: name) } catch {
                throw DaemonAPIError(.invalidArgument, "\(error)")
            }
        }
        return try await sync.retarget(name, to: remote, worker: worker, save: save)
    }

    static func originText(_ origin: RemoteRegistry.Origin) -> String {
        switch origin {
        case .config: "declared in the daemon's config file"
        case .api: "added with `transtok remote add`"
        }
    }

    static func status(_ entry: RemoteRegistry.Entry, workspaces: [String]) -> RemoteStatus {
        RemoteStatus(entry.settings, origin: entry.origin, workspaces: workspaces)
    }
}
