import Entities

/// `POST /v1/remotes` body: a sync remote to add (the one `RemoteSpec`, its keys at the top level of the JSON) and
/// whether to check it. Holds no secret: the daemon reads credentials from its own credential chain or from
/// `credentialsFile` (AWS shared-credentials format, mode 0600).
@dynamicMemberLookup
public struct RemoteRequest: Codable, Sendable, Equatable {
    public var remote: RemoteSpec
    /// Write, read and delete a probe object before saving (default true).
    public var check: Bool?

    public init(_ remote: RemoteSpec, check: Bool? = nil) {
        self.remote = remote
        self.check = check
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<RemoteSpec, Value>) -> Value {
        get { remote[keyPath: keyPath] }
        set { remote[keyPath: keyPath] = newValue }
    }

    private enum CodingKeys: String, CodingKey { case check }

    public init(from decoder: any Decoder) throws {
        remote = try RemoteSpec(from: decoder)
        check = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Bool.self, forKey: .check)
    }

    public func encode(to encoder: any Encoder) throws {
        try remote.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(check, forKey: .check)
    }
}

/// `GET /v1/remotes` entry: a remote as the daemon knows it (the `RemoteSpec` keys at the top level of the JSON,
/// never a secret), where it was declared and who uses it.
@dynamicMemberLookup
public struct RemoteStatus: Codable, Sendable, Equatable {
    public var remote: RemoteSpec
    /// `config` (the daemon's config file; edit it there) or `api` (`transtok remote add`).
    public var origin: RemoteOrigin
    /// Workspaces that sync to it.
    public var workspaces: [String]

    public init(_ remote: RemoteSpec, origin: RemoteOrigin, workspaces: [String]) {
        self.remote = remote
        self.origin = origin
        self.workspaces = workspaces
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<RemoteSpec, Value>) -> Value {
        get { remote[keyPath: keyPath] }
        set { remote[keyPath: keyPath] = newValue }
    }

    private enum CodingKeys: String, CodingKey { case origin, workspaces }

    public init(from decoder: any Decoder) throws {
        remote = try RemoteSpec(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        origin = try container.decode(RemoteOrigin.self, forKey: .origin)
        workspaces = try container.decode([String].self, forKey: .workspaces)
    }

    public func encode(to encoder: any Encoder) throws {
        try remote.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(origin, forKey: .origin)
        try container.encode(workspaces, forKey: .workspaces)
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
