/// The typed client: one method per entry of `ControlEndpoints`. Each blocks; call it off the cooperative pool.
extension ControlClient {
    /// Sends `E`'s request and decodes its reply (or throws the API error it carries).
    public func call<E: Endpoint>(
        _ endpoint: E.Type, _ parameters: E.PathParameters, query: E.Query, body: E.Body
    ) throws(ControlClientError) -> E.Response where E.Response: Decodable {
        let request = try E.request(parameters, query: query, body: body)
        let reply = try send(method: request.method.rawValue, path: request.target, body: request.body)
        return try E.decode(status: reply.status, body: reply.body)
    }

    public func health() throws(ControlClientError) -> HealthResponse {
        try call(ControlEndpoints.Health.self, .init(), query: .init(), body: .init())
    }

    public func status() throws(ControlClientError) -> StatusResponse {
        try call(ControlEndpoints.Status.self, .init(), query: .init(), body: .init())
    }

    public func workspaces() throws(ControlClientError) -> [WorkspaceStatus] {
        try call(ControlEndpoints.ListWorkspaces.self, .init(), query: .init(), body: .init())
    }

    public func createWorkspace(_ request: WorkspaceRequest) throws(ControlClientError) -> WorkspaceStatus {
        try call(ControlEndpoints.CreateWorkspace.self, .init(), query: .init(), body: request)
    }

    public func rebuildWorkspace(_ name: String, _ request: WorkspaceRebuildRequest) throws(ControlClientError)
        -> WorkspaceStatus
    {
        try call(ControlEndpoints.RebuildWorkspace.self, NameParameter(name), query: .init(), body: request)
    }

    public func deleteWorkspace(_ name: String) throws(ControlClientError) -> WorkspaceDeleteResult {
        try call(ControlEndpoints.DeleteWorkspace.self, NameParameter(name), query: .init(), body: .init())
    }

    public func setWorkspaceRemote(workspace: String, remote: String?) throws(ControlClientError) -> WorkspaceStatus {
        try call(
            ControlEndpoints.SetWorkspaceRemote.self, NameParameter(workspace), query: .init(),
            body: .init(remote: remote))
    }

    public func files(_ query: FilesQuery) throws(ControlClientError) -> [FileStatus] {
        try call(ControlEndpoints.ListFiles.self, .init(), query: query, body: .init())
    }

    public func scan(workspace: String?) throws(ControlClientError) -> ScanResult {
        try call(ControlEndpoints.Scan.self, .init(), query: .init(), body: .init(workspace: workspace))
    }

    public func retrainTokenizer(workspace: String?) throws(ControlClientError) -> RefreshRequest {
        try call(ControlEndpoints.RetrainTokenizer.self, .init(), query: .init(), body: .init(workspace: workspace))
    }

    public func refresh(workspace: String?) throws(ControlClientError) -> RefreshRequest {
        try call(ControlEndpoints.Refresh.self, .init(), query: .init(), body: .init(workspace: workspace))
    }

    public func checkpoints(workspace: String?) throws(ControlClientError) -> [CheckpointStatus] {
        try call(ControlEndpoints.ListCheckpoints.self, .init(), query: .init(workspace: workspace), body: .init())
    }

    public func lookup(_ query: LookupQuery) throws(ControlClientError) -> LookupResult {
        try call(ControlEndpoints.Lookup.self, .init(), query: query, body: .init())
    }

    public func syncStatus() throws(ControlClientError) -> SyncStatusResponse {
        try call(ControlEndpoints.SyncStatus.self, .init(), query: .init(), body: .init())
    }

    public func syncNow(workspace: String?) throws(ControlClientError) -> SyncStatusResponse {
        try call(ControlEndpoints.SyncNow.self, .init(), query: .init(), body: .init(workspace: workspace))
    }

    public func remotes() throws(ControlClientError) -> [RemoteStatus] {
        try call(ControlEndpoints.ListRemotes.self, .init(), query: .init(), body: .init())
    }

    public func addRemote(_ request: RemoteRequest) throws(ControlClientError) -> RemoteAddResult {
        try call(ControlEndpoints.AddRemote.self, .init(), query: .init(), body: request)
    }

    public func removeRemote(named name: String) throws(ControlClientError) -> RemoteStatus {
        try call(ControlEndpoints.RemoveRemote.self, NameParameter(name), query: .init(), body: .init())
    }

    /// The metrics page: OpenMetrics when asked, else the Prometheus text format.
    public func metrics(openMetrics: Bool = false) throws(ControlClientError) -> PlainText {
        typealias E = ControlEndpoints.Metrics
        let request = try E.request(.init(), query: .init(), body: .init())
        let accept = openMetrics ? MetricsFormat.openMetrics.contentType : MetricsFormat.prometheus.contentType
        let reply = try send(method: request.method.rawValue, path: request.target, headers: ["Accept": accept])
        guard (200..<300).contains(reply.status) else { throw Self.apiError(reply) }
        return PlainText(text: String(decoding: reply.body, as: UTF8.self), contentType: reply.contentType ?? "")
    }

    /// Streams a translation to `onText` as it is generated; an error reply throws (nothing reaches `onText`).
    public func translate(
        _ request: TranslateRequest, onText: @escaping @Sendable ([UInt8]) -> Void
    ) throws(ControlClientError) {
        typealias E = ControlEndpoints.Translate
        let wire = try E.request(.init(), query: .init(), body: request)
        let reply = try send(method: wire.method.rawValue, path: wire.target, body: wire.body, onData: onText)
        guard (200..<300).contains(reply.status) else { throw Self.apiError(reply) }
    }
}

/// The two exposition formats of `GET /v1/metrics`.
public enum MetricsFormat: String, Sendable, CaseIterable {
    case prometheus
    case openMetrics = "openmetrics"

    public var contentType: String {
        switch self {
        case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Content negotiation: OpenMetrics only when the `Accept` header lists it.
    public static func negotiate(accept: String?) -> MetricsFormat {
        guard let accept else { return .prometheus }
        return accept.lowercased().contains("application/openmetrics-text") ? .openMetrics : .prometheus
    }
}
