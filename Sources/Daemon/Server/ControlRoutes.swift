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

    /// The named workspace, or the only one when no name is given (read off the cooperative pool).
    func workspace(named name: String?) async throws -> WorkspaceRecord {
        let store = self.store
        let all = try await offPool { try store.workspaces() }
        if let name {
            guard let match = all.first(where: { $0.spec.name == name }) else {
                throw DaemonAPIError(.notFound, "no workspace named \(name)")
            }
            return match
        }
        guard all.count == 1, let only = all.first else {
            throw DaemonAPIError(
                .invalidArgument,
                all.isEmpty
                    ? "there is no workspace yet" : "name a workspace (\(all.map(\.spec.name).joined(separator: ", ")))"
            )
        }
        return only
    }

    func register(on routes: EndpointRouter) {
        RemoteRoutes(registry: remotes, store: store, sync: sync, status: status).register(on: routes)
        routes.on(ControlEndpoints.Health.self) { _, _ in
            HealthResponse(status: "ok", version: TranstokVersion.current)
        }
        routes.on(ControlEndpoints.Status.self) { _, _ in
            try await offPool { try status.status() }
        }
        routes.on(ControlEndpoints.ListWorkspaces.self) { _, _ in
            try await offPool { try status.status().workspaces }
        }
        routes.on(ControlEndpoints.CreateWorkspace.self) { input, context in
            try await administration.create(input.body, logger: context.logger)
        }
        routes.on(ControlEndpoints.RebuildWorkspace.self) { input, context in
            try await administration.rebuild(input.path.name, input.body, logger: context.logger)
        }
        routes.on(ControlEndpoints.DeleteWorkspace.self) { input, context in
            try await administration.delete(input.path.name, logger: context.logger)
        }
        routes.on(ControlEndpoints.ListFiles.self) { input, _ in
            try await offPool { try listFiles(input.query) }
        }
        routes.on(ControlEndpoints.Scan.self) { input, _ in
            if let name = input.body.workspace,
                try await offPool({ try store.workspaces() }).contains(where: { $0.spec.name == name }) == false
            {
                throw DaemonAPIError(.notFound, "no workspace named \(name)")
            }
            let s = try await corpus.scanForRequest(workspace: input.body.workspace)
            return ScanResult(
                filesSeen: s.filesSeen, ingested: s.ingested, unchanged: s.unchanged, rejected: s.rejected,
                pending: s.pending, retracted: s.retracted, pairsAdded: s.pairsAdded, pairsRetracted: s.pairsRetracted)
        }
        // Explicit and versioned: a new target tokenizer invalidates every row, so the next cycle realigns all pairs.
        routes.on(ControlEndpoints.RetrainTokenizer.self) { input, _ in
            let target = try await workspace(named: input.body.workspace)
            try await pipeline.requestRetrain(target.id)
            return RefreshRequest(workspace: target.spec.name)
        }
        routes.on(ControlEndpoints.Refresh.self) { input, _ in
            let target = try await workspace(named: input.body.workspace)
            pipeline.requestRefresh(target.id)
            return RefreshRequest(workspace: target.spec.name)
        }
        routes.on(ControlEndpoints.ListCheckpoints.self) { input, _ in
            let target = try await workspace(named: input.query.workspace)
            return try await offPool {
                try store.checkpoints(workspaceID: target.id).map {
                    CheckpointStatus(
                        workspace: target.spec.name, number: $0.number, path: $0.path, pairs: $0.pairCount,
                        sizeBytes: $0.sizeBytes, createdAt: Date(timeIntervalSince1970: $0.createdAt),
                        manifestSHA256: $0.manifestSHA256)
                }
            }
        }
        routes.raw(ControlEndpoints.Metrics.self) { _, request, _ in
            try await MetricsExporter(store: store, sync: sync).response(for: request)
        }
        routes.on(ControlEndpoints.SyncStatus.self) { _, _ in
            SyncStatusResponse(sync.status())
        }
        routes.on(ControlEndpoints.SyncNow.self) { input, _ in
            let target = try await workspace(named: input.body.workspace)
            guard sync.hasRemote(target.spec.name) else {
                throw DaemonAPIError(
                    .invalidArgument,
                    "workspace \(target.spec.name) has no remote (attach one: transtok workspace set-remote \(target.spec.name) REMOTE)"
                )
            }
            guard let latest = try await offPool({ try store.checkpoints(workspaceID: target.id).first }) else {
                throw DaemonAPIError(.unavailable, "workspace \(target.spec.name) has no checkpoint yet")
            }
            sync.enqueue(workspace: target.spec.name, checkpoint: latest)
            return SyncStatusResponse(sync.status())
        }
        // Streams the translation as it is generated (text/plain, chunked); exempt from the request time limit.
        routes.raw(ControlEndpoints.Translate.self) { input, _, _ in
            let body = input.body
            guard !body.text.isEmpty, body.text.count <= 4000 else {
                throw DaemonAPIError(.invalidArgument, "text must be 1…4000 characters")
            }
            let beams = body.beams ?? 1
            let maxTokens = body.maxTokens ?? 128
            guard (1...8).contains(beams), (1...1024).contains(maxTokens) else {
                throw DaemonAPIError(.invalidArgument, "beams must be 1…8 and maxTokens 1…1024")
            }
            let target = try await workspace(named: body.workspace)
            let pieces = try await translation.translate(
                workspaceID: target.id, text: body.text, beams: beams, maxTokens: maxTokens)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(asyncSequence: pieces.map { ByteBuffer(string: $0) }))
        }
        routes.on(ControlEndpoints.Lookup.self) { input, _ in
            let query = input.query
            let target = try await workspace(named: query.workspace)
            guard try await offPool({ try store.alignmentAppliedSeq(workspaceID: target.id) }) != nil else {
                throw DaemonAPIError(.unavailable, "workspace \(target.spec.name) has no alignment yet")
            }
            let rows = try await pipeline.lookup(
                workspaceID: target.id, word: query.word, reverse: query.reverse, limit: query.limit)
            return LookupResult(
                word: query.word, reverse: query.reverse,
                translations: rows.map { .init(text: $0.translation, probability: $0.probability, count: $0.count) })
        }
    }

    /// `GET /v1/files` (blocking: store reads).
    private func listFiles(_ query: ControlEndpoints.ListFiles.Query) throws -> [FileStatus] {
        let workspaces = try store.workspaces()
        let names = Dictionary(uniqueKeysWithValues: workspaces.map { ($0.id, $0.spec.name) })
        var workspaceID: Int64?
        if let workspaceName = query.workspace {
            guard let match = workspaces.first(where: { $0.spec.name == workspaceName }) else {
                throw DaemonAPIError(.notFound, "no workspace named \(workspaceName)")
            }
            workspaceID = match.id
        }
        return try store.corpusFiles(workspaceID: workspaceID, state: query.state).map { file in
            FileStatus(
                workspace: names[file.workspaceID] ?? "?", path: file.path, format: file.format, state: file.state,
                pairs: file.pairCount, reason: file.error, line: file.errorLine)
        }
    }
}

extension SyncStatusResponse {
    /// The wire form of the sync workers' status (Sync's own type stays inside the daemon).
    init(_ status: [String: SyncStatus]) {
        self.init(
            workspaces: status.mapValues { s in
                WorkspaceSync(
                    queued: s.queued,
                    inFlight: s.inFlight.map { flight in
                        InFlight(
                            checkpoint: flight.checkpoint,
                            progress: Progress(
                                totalBytes: flight.progress.totalBytes, uploadedBytes: flight.progress.uploadedBytes,
                                skippedBytes: flight.progress.skippedBytes,
                                bytesPerSecond: flight.progress.bytesPerSecond,
                                etaSeconds: flight.progress.etaSeconds, currentFile: flight.progress.currentFile))
                    },
                    lastPublished: s.lastPublished, lastPublishedAt: s.lastPublishedAt,
                    lastBytesUploaded: s.lastBytesUploaded, lastTotalBytes: s.lastTotalBytes,
                    lastError: s.lastError.map {
                        LastError(checkpoint: $0.checkpoint, message: $0.message, kind: $0.kind, at: $0.at)
                    },
                    retrying: s.retrying?.map {
                        Retry(checkpoint: $0.checkpoint, failures: $0.failures, nextAttemptAt: $0.nextAttemptAt)
                    })
            })
    }
}
