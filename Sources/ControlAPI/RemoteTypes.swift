/// `POST /v1/remotes` body: a sync remote to add. Holds no secret: the daemon reads credentials from its own
/// environment (`AWS_ACCESS_KEY_ID`, …) or from `credentialsFile` (AWS shared-credentials format, mode 0600).
public struct RemoteRequest: Codable, Sendable, Equatable {
    public var name: String
    /// `s3://bucket[/prefix]`.
    public var url: String
    public var endpoint: String?
    public var region: String?
    /// `path` or `virtual`.
    public var addressing: String?
    /// An absolute path, readable by the daemon.
    public var credentialsFile: String?
    public var profile: String?
    /// Write, read and delete a probe object before saving (default true).
    public var check: Bool?

    public init(
        name: String, url: String, endpoint: String? = nil, region: String? = nil, addressing: String? = nil,
        credentialsFile: String? = nil, profile: String? = nil, check: Bool? = nil
    ) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing
        self.credentialsFile = credentialsFile
        self.profile = profile
        self.check = check
    }
}

/// `GET /v1/remotes` entry: a remote as the daemon knows it (never a secret).
public struct RemoteStatus: Codable, Sendable, Equatable {
    public var name: String
    public var url: String
    public var endpoint: String?
    public var region: String?
    public var addressing: String?
    public var credentialsFile: String?
    public var profile: String?
    /// `config` (the daemon's config file; edit it there) or `api` (`transtok remote add`).
    public var origin: String
    /// Workspaces that sync to it.
    public var workspaces: [String]

    public init(
        name: String, url: String, endpoint: String?, region: String?, addressing: String?, credentialsFile: String?,
        profile: String?, origin: String, workspaces: [String]
    ) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing
        self.credentialsFile = credentialsFile
        self.profile = profile
        self.origin = origin
        self.workspaces = workspaces
    }
}

/// One step of the probe check (list, write, read back, delete).
public struct RemoteCheckStep: Codable, Sendable, Equatable {
    public var name: String
    public var ok: Bool
    public var detail: String

    public init(name: String, ok: Bool, detail: String) {
        self.name = name
        self.ok = ok
        self.detail = detail
    }
}

/// `POST /v1/remotes` reply: the saved remote and the check it passed (empty when the check was skipped).
public struct RemoteAddResult: Codable, Sendable, Equatable {
    public var remote: RemoteStatus
    public var check: [RemoteCheckStep]

    public init(remote: RemoteStatus, check: [RemoteCheckStep]) {
        self.remote = remote
        self.check = check
    }
}

/// `POST /v1/workspaces/{name}/remote` body: the remote a workspace syncs to (nil: stop syncing).
public struct WorkspaceRemoteRequest: Codable, Sendable, Equatable {
    public var remote: String?

    public init(remote: String?) { self.remote = remote }
}
