import ControlAPI
import Entities
import Foundation
import Logging
import Store

/// Creating, rebuilding and deleting workspaces through the control API. State the daemon owns is changed only
/// here, explicitly and logged: a repeated create never updates (409 unless identical), a rebuild applies a new
/// source model or tokenizer and realigns, a delete stops the workspace and removes its rows and the daemon's own
/// files for it (never the watched folders).
struct WorkspaceAdministration: Sendable {
    let store: Store
    let pipeline: PipelineService
    let sync: SyncService
    let remotes: RemoteRegistry
    let status: StatusProvider
    let corpus: CorpusController
    let rootsGeneration: RootsGeneration
    let stateDirectory: String
    /// Workspaces declared in the config file (re-created at every start: deleted there, not through the API).
    let configured: Set<String>
    let logger: Logger

    private var remoteRoutes: RemoteRoutes { RemoteRoutes(registry: remotes, store: store, sync: sync, status: status) }

    func create(_ body: WorkspaceRequest, logger requestLogger: Logger) async throws -> WorkspaceStatus {
        let config = body.workspace
        do { try config.validate(key: "workspace") } catch { throw DaemonAPIError(.invalidArgument, error.description) }
        let store = self.store
        // An existing name: identical is a no-op, anything else a conflict naming the key (nothing is changed).
        if let existing = try await offPool({ try store.workspaces().first(where: { $0.spec.name == config.name }) }) {
            if let conflict = existing.spec.differences(from: config).first { throw Self.conflict(conflict) }
            return try await workspaceStatus(config.name)
        }
        // Reads model headers and tokenizers, may create folders: off the cooperative pool.
        try await offPool { try Self.validate(config, createDirectories: body.createDirectories ?? false) }
        // The remote is checked (exists, credentials readable) before anything is saved; its worker starts now.
        _ = try await remoteRoutes.retarget(workspace: config.name, to: config.remote) {
            let id: Int64
            do { id = try store.createWorkspace(config).id } catch let conflict as WorkspaceConflict {
                throw Self.conflict(conflict) // created concurrently by another request
            }
            guard let record = try store.workspaces().first(where: { $0.id == id }) else {
                throw StoreError.notFound("workspace \(config.name)")
            }
            return record
        }
        requestLogger.info("workspace created", metadata: ["workspace": "\(config.name)"])
        rootsGeneration.bump()
        _ = try await corpus.scanForRequest(workspace: config.name)
        return try await workspaceStatus(config.name)
    }

    private static func validate(_ config: WorkspaceSpec, createDirectories create: Bool) throws {
        do {
            try WorkspaceValidation.checkModel(config.sourceModel)
            if let tokenizer = config.targetTokenizer { try WorkspaceValidation.checkTokenizer(tokenizer) }
            for (key, folders) in [
                (WorkspaceSpec.CodingKeys.parallelDirectories, config.parallelDirectories),
                (.monolingualDirectories, config.monolingualDirectories),
            ] {
                try WorkspaceValidation.checkFolders(
                    folders, key: WorkspaceSpec.configKey(forWireKey: key.rawValue), create: create)
            }
        } catch {
            throw DaemonAPIError(.invalidArgument, error.description)
        }
    }

    func rebuild(_ name: String, _ body: WorkspaceRebuildRequest, logger requestLogger: Logger) async throws
        -> WorkspaceStatus
    {
        let store = self.store
        guard let existing = try await offPool({ try store.workspaces().first(where: { $0.spec.name == name }) })
        else {
            throw DaemonAPIError(.notFound, "no workspace named \(name)")
        }
        let retrain = body.retrainTokenizer ?? false
        if retrain, body.targetTokenizer != nil {
            throw DaemonAPIError(.invalidArgument, "give a target tokenizer or ask to retrain it, not both")
        }
        try await offPool {
            do {
                if let model = body.sourceModel { try WorkspaceValidation.checkModel(model) }
                if let tokenizer = body.targetTokenizer { try WorkspaceValidation.checkTokenizer(tokenizer) }
            } catch {
                throw DaemonAPIError(.invalidArgument, "\(error)")
            }
        }
        let change = Store.WorkspaceRebuild(
            sourceModel: body.sourceModel, targetTokenizer: body.targetTokenizer, retrainTokenizer: retrain,
            aligner: body.aligner)
        let updated = try await pipeline.withWorkspaceStopped(existing.id, refresh: true) {
            try store.rebuildWorkspace(named: name, change)
        }
        // Logged at notice level: this is the one way state the workspace was built from changes.
        requestLogger.notice(
            "workspace rebuild requested: the alignment is rebuilt from the corpus",
            metadata: [
                "workspace": "\(name)",
                "source_model": "\(existing.spec.sourceModel) -> \(updated.spec.sourceModel)",
                "target_tokenizer":
                    "\(existing.spec.targetTokenizer ?? "(none)") -> \(updated.spec.targetTokenizer ?? (retrain ? "(retrain)" : "(none)"))",
                "aligner":
                    "\((existing.spec.aligner ?? .default).rawValue) -> \((updated.spec.aligner ?? .default).rawValue)",
            ])
        return try await workspaceStatus(name)
    }

    func delete(_ name: String, logger requestLogger: Logger) async throws -> WorkspaceDeleteResult {
        let (store, sync, stateDirectory) = (self.store, self.sync, self.stateDirectory)
        guard let existing = try await offPool({ try store.workspaces().first(where: { $0.spec.name == name }) })
        else {
            throw DaemonAPIError(.notFound, "no workspace named \(name)")
        }
        if configured.contains(name) {
            throw DaemonAPIError(
                .conflict,
                "workspace \(name) is declared in the daemon's config file; remove it there (it would come back at the next start)"
            )
        }
        // On the pipeline's work queue (a thread of its own, which may block on the sync change queue).
        let removed = try await pipeline.withWorkspaceStopped(existing.id, refresh: false) { () throws -> [String] in
            _ = try sync.retargetBlocking(name, to: nil, worker: nil) { try store.deleteWorkspace(named: name) }
            try store.sweepAlignmentStateFiles()
            // The daemon's own files for it; the watched folders are the user's and are never touched.
            var removed: [String] = []
            for path in ["workspaces", "checkpoints", "hydra"].map({ stateDirectory + "/" + $0 + "/" + name })
            where FileManager.default.fileExists(atPath: path) {
                try FileManager.default.removeItem(atPath: path)
                removed.append(path)
            }
            return removed
        }
        rootsGeneration.bump()
        requestLogger.notice("workspace deleted", metadata: ["workspace": "\(name)", "removed": "\(removed)"])
        return WorkspaceDeleteResult(name: name, removedPaths: removed)
    }

    private func workspaceStatus(_ name: String) async throws -> WorkspaceStatus {
        let status = self.status
        guard let current = try await offPool({ try status.status().workspaces.first(where: { $0.name == name }) })
        else {
            throw DaemonAPIError(.notFound, "no workspace named \(name)")
        }
        return current
    }

    static func conflict(_ conflict: WorkspaceConflict) -> DaemonAPIError {
        let hint: String
        switch conflict.key {
        case "source_model":
            hint = "change it with `transtok workspace rebuild \(conflict.workspace) --model \(conflict.requested)`"
        case "aligner":
            hint = "change it with `transtok workspace rebuild \(conflict.workspace) --aligner \(conflict.requested)`"
        case "target_tokenizer":
            hint =
                "change it with `transtok workspace rebuild \(conflict.workspace) --target-tokenizer \(conflict.requested)`"
        case "tune_seconds_per_cycle":
            hint = "it is set when the workspace is created, or in the daemon's config file (applied at the next start)"
        case "remote":
            hint = "change it with `transtok workspace set-remote \(conflict.workspace) \(conflict.requested)`"
        default: hint = "choose another name, or `transtok workspace delete \(conflict.workspace)` first"
        }
        return DaemonAPIError(.conflict, "\(conflict.description): \(hint)")
    }
}
