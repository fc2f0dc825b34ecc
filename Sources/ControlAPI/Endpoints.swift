import Entities

/// The endpoint table: every route of the control API. The daemon registers exactly these (a test walks the table
/// against its router) and `ControlClient` has one method per entry.
public enum ControlEndpoints {
    public static let all: [any Endpoint.Type] = [
        Health.self, Status.self,
        ListWorkspaces.self, CreateWorkspace.self, RebuildWorkspace.self, DeleteWorkspace.self, SetWorkspaceRemote.self,
        ListFiles.self, Scan.self,
        RetrainTokenizer.self, Refresh.self, ListCheckpoints.self, Lookup.self, Translate.self,
        Metrics.self,
        SyncStatus.self, SyncNow.self,
        ListRemotes.self, AddRemote.self, RemoveRemote.self,
    ]

    public enum Health: Endpoint {
        public typealias Response = HealthResponse
        public static let method = HTTPMethod.get
        public static let path = "/v1/health"
    }

    public enum Status: Endpoint {
        public typealias Response = StatusResponse
        public static let method = HTTPMethod.get
        public static let path = "/v1/status"
    }

    public enum ListWorkspaces: Endpoint {
        public typealias Response = [WorkspaceStatus]
        public static let method = HTTPMethod.get
        public static let path = "/v1/workspaces"
    }

    /// Creates a workspace (an identical request on an existing name is a no-op), then scans its folders.
    public enum CreateWorkspace: Endpoint {
        public typealias Body = WorkspaceRequest
        public typealias Response = WorkspaceStatus
        public static let method = HTTPMethod.post
        public static let path = "/v1/workspaces"
    }

    /// Changes a workspace's model or tokenizer (its derived state is rebuilt).
    public enum RebuildWorkspace: Endpoint {
        public typealias PathParameters = NameParameter
        public typealias Body = WorkspaceRebuildRequest
        public typealias Response = WorkspaceStatus
        public static let method = HTTPMethod.post
        public static let path = "/v1/workspaces/{name}/rebuild"
    }

    /// Deletes a workspace and its derived state (never the watched folders' files).
    public enum DeleteWorkspace: Endpoint {
        public typealias PathParameters = NameParameter
        public typealias Response = WorkspaceDeleteResult
        public static let method = HTTPMethod.delete
        public static let path = "/v1/workspaces/{name}"
    }

    /// Attaches a workspace to a remote (or detaches it: `remote: null`).
    public enum SetWorkspaceRemote: Endpoint {
        public typealias PathParameters = NameParameter
        public typealias Body = WorkspaceRemoteRequest
        public typealias Response = WorkspaceStatus
        public static let method = HTTPMethod.post
        public static let path = "/v1/workspaces/{name}/remote"
    }

    public enum ListFiles: Endpoint {
        public typealias Query = FilesQuery
        public typealias Response = [FileStatus]
        public static let method = HTTPMethod.get
        public static let path = "/v1/files"
    }

    public enum Scan: Endpoint {
        public typealias Body = ScanRequest
        public typealias Response = ScanResult
        public static let method = HTTPMethod.post
        public static let path = "/v1/scan"
    }

    /// Trains a new target tokenizer version (the reply names the workspace).
    public enum RetrainTokenizer: Endpoint {
        public typealias Body = RefreshRequest
        public typealias Response = RefreshRequest
        public static let method = HTTPMethod.post
        public static let path = "/v1/retrain-tokenizer"
    }

    public enum Refresh: Endpoint {
        public typealias Body = RefreshRequest
        public typealias Response = RefreshRequest
        public static let method = HTTPMethod.post
        public static let path = "/v1/refresh"
    }

    public enum ListCheckpoints: Endpoint {
        public typealias Query = WorkspaceQuery
        public typealias Response = [CheckpointStatus]
        public static let method = HTTPMethod.get
        public static let path = "/v1/checkpoints"
    }

    public enum Lookup: Endpoint {
        public typealias Query = LookupQuery
        public typealias Response = LookupResult
        public static let method = HTTPMethod.get
        public static let path = "/v1/lookup"
    }

    /// Streams the translation as it is generated (exempt from the request time limit, as is all of `/v1/stream/`).
    public enum Translate: Endpoint {
        public typealias Body = TranslateRequest
        public typealias Response = TextStream
        public static let method = HTTPMethod.post
        public static let path = "/v1/stream/translate"
    }

    /// Prometheus text format, or OpenMetrics when the `Accept` header asks for `application/openmetrics-text`.
    public enum Metrics: Endpoint {
        public typealias Response = PlainText
        public static let method = HTTPMethod.get
        public static let path = "/v1/metrics"
    }

    public enum SyncStatus: Endpoint {
        public typealias Response = SyncStatusResponse
        public static let method = HTTPMethod.get
        public static let path = "/v1/sync"
    }

    /// Queues the workspace's newest checkpoint for upload.
    public enum SyncNow: Endpoint {
        public typealias Body = RefreshRequest
        public typealias Response = SyncStatusResponse
        public static let method = HTTPMethod.post
        public static let path = "/v1/sync"
    }

    public enum ListRemotes: Endpoint {
        public typealias Response = [RemoteStatus]
        public static let method = HTTPMethod.get
        public static let path = "/v1/remotes"
    }

    public enum AddRemote: Endpoint {
        public typealias Body = RemoteRequest
        public typealias Response = RemoteAddResult
        public static let method = HTTPMethod.post
        public static let path = "/v1/remotes"
    }

    public enum RemoveRemote: Endpoint {
        public typealias PathParameters = NameParameter
        public typealias Response = RemoteStatus
        public static let method = HTTPMethod.delete
        public static let path = "/v1/remotes/{name}"
    }
}

/// `?workspace=` (default: the only workspace).
public struct WorkspaceQuery: QueryParameters, Equatable {
    public static let keys = ["workspace"]
    public var workspace: String?
    public init(workspace: String? = nil) { self.workspace = workspace }
    public init(query: QueryValues) { workspace = query.string("workspace") }
    public var items: [(String, String)] { workspace.map { [("workspace", $0)] } ?? [] }
}

/// `GET /v1/files?workspace=&state=`.
public struct FilesQuery: QueryParameters, Equatable {
    public static let keys = ["workspace", "state"]
    public var workspace: String?
    public var state: CorpusFileState?
    public init(workspace: String? = nil, state: CorpusFileState? = nil) {
        self.workspace = workspace
        self.state = state
    }
    public init(query: QueryValues) throws(ParameterError) {
        workspace = query.string("workspace")
        state = try query.choice("state", as: CorpusFileState.self)
    }
    public var items: [(String, String)] {
        (workspace.map { [("workspace", $0)] } ?? []) + (state.map { [("state", $0.rawValue)] } ?? [])
    }
}

/// `GET /v1/lookup?word=&reverse=&limit=&workspace=`.
public struct LookupQuery: QueryParameters, Equatable {
    public static let keys = ["word", "reverse", "limit", "workspace"]
    public static let limits = 1...50
    public var word: String
    public var reverse: Bool
    public var limit: Int
    public var workspace: String?

    public init(word: String, reverse: Bool = false, limit: Int = 5, workspace: String? = nil) {
        self.word = word
        self.reverse = reverse
        self.limit = limit
        self.workspace = workspace
    }

    public init(query: QueryValues) throws(ParameterError) {
        guard let word = query.string("word"), !word.isEmpty, word.count <= 200 else {
            throw ParameterError("give a word (?word=…, at most 200 characters)")
        }
        self.word = word
        reverse = try query.bool("reverse") ?? false
        limit = try query.int("limit", in: Self.limits) ?? 5
        workspace = query.string("workspace")
    }

    public var items: [(String, String)] {
        [("word", word), ("reverse", reverse ? "true" : "false"), ("limit", String(limit))]
            + (workspace.map { [("workspace", $0)] } ?? [])
    }
}
