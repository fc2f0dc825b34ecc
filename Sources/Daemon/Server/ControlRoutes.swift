import ControlAPI
import Foundation
import Hummingbird
import Store

/// The `/v1/` route table. Handlers stay thin: they validate input and call the store or the pipeline.
struct ControlRoutes: Sendable {
    let status: StatusProvider
    let store: Store

    func register(on router: Router<DaemonRequestContext>) {
        let v1 = router.group("v1")
        v1.get("health") { _, _ in
            HealthResponse(status: "ok", version: TranstokVersion.current)
        }
        v1.get("status") { _, _ in
            try status.status()
        }
        v1.get("workspaces") { _, _ in
            try status.status().workspaces
        }
        v1.post("workspaces") { request, context -> WorkspaceStatus in
            let body = try await request.decode(as: WorkspaceRequest.self, context: context)
            let config = WorkspaceConfig(
                name: body.name, sourceLanguage: body.sourceLanguage, targetLanguage: body.targetLanguage,
                sourceModel: body.sourceModel, targetTokenizer: body.targetTokenizer,
                parallelDirs: body.parallelDirectories, monolingualDirs: body.monolingualDirectories,
                remote: body.remote)
            do { try config.validate(key: "workspace") } catch let error as ConfigError {
                throw DaemonAPIError(.invalidArgument, error.description)
            }
            let id = try store.upsertWorkspace(config.spec)
            return WorkspaceStatus(
                name: config.name, sourceLanguage: config.sourceLanguage, targetLanguage: config.targetLanguage,
                sourceModel: config.sourceModel, targetTokenizer: config.targetTokenizer,
                watchedDirectories: config.parallelDirs + (config.monolingualDirs ?? []), remote: config.remote,
                counts: CountsStatus(try store.counts(workspaceID: id)))
        }
    }
}

extension HealthResponse: ResponseEncodable {}
extension StatusResponse: ResponseEncodable {}
extension WorkspaceStatus: ResponseEncodable {}
