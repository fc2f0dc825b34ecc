import ControlAPI
import Foundation
import Hummingbird
import Store
import Sync

/// The `/v1/` route table. Handlers stay thin: they validate input and call the store or the pipeline.
struct ControlRoutes: Sendable {
    let status: StatusProvider
    let store: Store
    let corpus: CorpusController
    let rootsGeneration: RootsGeneration
    let pipeline: PipelineService
    let sync: SyncService
    let remotes: RemoteRegistry
    let translation: TranslationService
    let administration: WorkspaceAdministration

    /// The named workspace, or the only one when no name is given.
    func workspace(named name: String?) throws -> WorkspaceRecord {
        let all = try store.workspaces()
        if let name {
            guard let match = all.first(where: { $0.spec.name == name }) else {
                throw DaemonAPIError(.notFound, "no workspace named \(name)")
            }
            return match
        }
        guard all.count == 1, let only = all.first else {
            throw DaemonAPIError(.invalidArgument, all.isEmpty ? "there is no workspace yet" : "name a workspace (\(all.map(\.spec.name).joined(separator: ", ")))")
        }
        return only
    }

    func register(on router: Router<DaemonRequestContext>) {
        let v1 = router.group("v1")
        RemoteRoutes(registry: remotes, store: store, sync: sync, status: status).register(on: v1)
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
            return try await administration.create(body, logger: context.logger)
        }
        v1.post("workspaces/:name/rebuild") { request, context -> WorkspaceStatus in
            let body = try await request.decode(as: WorkspaceRebuildRequest.self, context: context)
            return try await administration.rebuild(try context.parameters.require("name"), body, logger: context.logger)
        }
        v1.delete("workspaces/:name") { _, context -> WorkspaceDeleteResult in
            try await administration.delete(try context.parameters.require("name"), logger: context.logger)
        }
        v1.get("files") { request, _ -> [FileStatus] in
            let workspaceName = request.uri.queryParameters["workspace"].map(String.init)
            let state = request.uri.queryParameters["state"].map(String.init)
            if let state, !["ingested", "pending", "rejected", "retracted"].contains(state) {
                throw DaemonAPIError(.invalidArgument, "state must be ingested, pending, rejected or retracted")
            }
            let workspaces = try store.workspaces()
            let names = Dictionary(uniqueKeysWithValues: workspaces.map { ($0.id, $0.spec.name) })
            var workspaceID: Int64?
            if let workspaceName {
                guard let match = workspaces.first(where: { $0.spec.name == workspaceName }) else {
                    throw DaemonAPIError(.notFound, "no workspace named \(workspaceName)")
                }
                workspaceID = match.id
            }
            return try store.corpusFiles(workspaceID: workspaceID, state: state).map { file in
                FileStatus(
                    workspace: names[file.workspaceID] ?? "?", path: file.path, format: file.format, state: file.state,
                    pairs: file.pairCount, reason: file.error, line: file.errorLine)
            }
        }
        v1.post("scan") { request, context -> ScanResult in
            let body = try await request.decode(as: ScanRequest.self, context: context)
            if let name = body.workspace, try store.workspaces().contains(where: { $0.spec.name == name }) == false {
                throw DaemonAPIError(.notFound, "no workspace named \(name)")
            }
            let s = try await corpus.scan(workspace: body.workspace)
            return ScanResult(
                filesSeen: s.filesSeen, ingested: s.ingested, unchanged: s.unchanged, rejected: s.rejected,
                pending: s.pending, retracted: s.retracted, pairsAdded: s.pairsAdded, pairsRetracted: s.pairsRetracted)
        }
        // Explicit and versioned: a new target tokenizer invalidates every row, so the next cycle realigns all pairs.
        v1.post("retrain-tokenizer") { request, context -> RefreshRequest in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            let target = try workspace(named: body.workspace)
            try await pipeline.requestRetrain(target.id)
            return RefreshRequest(workspace: target.spec.name)
        }
        v1.post("refresh") { request, context -> RefreshRequest in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            let target = try workspace(named: body.workspace)
            pipeline.requestRefresh(target.id)
            return RefreshRequest(workspace: target.spec.name)
        }
        v1.get("checkpoints") { request, _ -> [CheckpointStatus] in
            let target = try workspace(named: request.uri.queryParameters["workspace"].map(String.init))
            return try store.checkpoints(workspaceID: target.id).map {
                CheckpointStatus(
                    workspace: target.spec.name, number: $0.number, path: $0.path, pairs: $0.pairCount,
                    sizeBytes: $0.sizeBytes, createdAt: $0.createdAt, manifestSHA256: $0.manifestSHA256)
            }
        }
        v1.get("metrics") { _, _ -> Response in
            let text = try MetricsExporter(store: store, sync: sync).render()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        v1.get("sync") { _, _ -> SyncStatusResponse in
            SyncStatusResponse(workspaces: sync.status())
        }
        v1.post("sync") { request, context -> SyncStatusResponse in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            let target = try workspace(named: body.workspace)
            guard sync.hasRemote(target.spec.name) else {
                throw DaemonAPIError(
                    .invalidArgument,
                    "workspace \(target.spec.name) has no remote (attach one: transtok workspace set-remote \(target.spec.name) REMOTE)")
            }
            guard let latest = try store.checkpoints(workspaceID: target.id).first else {
                throw DaemonAPIError(.unavailable, "workspace \(target.spec.name) has no checkpoint yet")
            }
            sync.enqueue(workspace: target.spec.name, checkpoint: latest)
            return SyncStatusResponse(workspaces: sync.status())
        }
        // Streams the translation as it is generated (text/plain, chunked); exempt from the request time limit.
        v1.post("stream/translate") { request, context -> Response in
            let body = try await request.decode(as: TranslateRequest.self, context: context)
            guard !body.text.isEmpty, body.text.count <= 4000 else {
                throw DaemonAPIError(.invalidArgument, "text must be 1…4000 characters")
            }
            let beams = body.beams ?? 1
            let maxTokens = body.maxTokens ?? 128
            guard (1...8).contains(beams), (1...1024).contains(maxTokens) else {
                throw DaemonAPIError(.invalidArgument, "beams must be 1…8 and maxTokens 1…1024")
            }
            let target = try workspace(named: body.workspace)
            let pieces = try await translation.translate(
                workspaceID: target.id, text: body.text, beams: beams, maxTokens: maxTokens)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(asyncSequence: pieces.map { ByteBuffer(string: $0) }))
        }
        v1.get("lookup") { request, _ -> LookupResult in
            let query = request.uri.queryParameters
            guard let word = query["word"].map(String.init), !word.isEmpty, word.count <= 200 else {
                throw DaemonAPIError(.invalidArgument, "give a word (?word=…, at most 200 characters)")
            }
            let reverse = query["reverse"].map { $0 == "1" || $0 == "true" } ?? false
            let limit = min(50, max(1, query["limit"].flatMap { Int(String($0)) } ?? 5))
            let target = try workspace(named: query["workspace"].map(String.init))
            guard try store.alignmentAppliedSeq(workspaceID: target.id) != nil else {
                throw DaemonAPIError(.unavailable, "workspace \(target.spec.name) has no alignment yet")
            }
            let rows = try await pipeline.lookup(workspaceID: target.id, word: word, reverse: reverse, limit: limit)
            return LookupResult(
                word: word, reverse: reverse,
                translations: rows.map { .init(text: $0.translation, probability: $0.probability, count: $0.count) })
        }
    }
}

/// `GET /v1/sync`: per workspace, what Sync is doing (no credentials, ever).
struct SyncStatusResponse: Codable, ResponseEncodable {
    var workspaces: [String: SyncStatus]
}

extension RefreshRequest: ResponseEncodable {}
extension CheckpointStatus: ResponseEncodable {}
extension LookupResult: ResponseEncodable {}
extension FileStatus: ResponseEncodable {}
extension ScanResult: ResponseEncodable {}
extension HealthResponse: ResponseEncodable {}
extension StatusResponse: ResponseEncodable {}
extension WorkspaceStatus: ResponseEncodable {}
extension WorkspaceDeleteResult: ResponseEncodable {}
