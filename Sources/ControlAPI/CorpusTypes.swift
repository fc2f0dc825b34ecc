import Entities

/// One corpus file as `GET /v1/files` reports it.
public struct FileStatus: Codable, Sendable, Equatable {
    public var workspace: String
    public var path: String
    public var format: String?
    public var state: CorpusFileState
    public var pairs: Int
    /// Why the file was rejected (or what a pending file waits for).
    public var reason: String?
    /// The 1-based line the rejection refers to.
    public var line: Int?

    public init(
        workspace: String, path: String, format: String?, state: CorpusFileState, pairs: Int, reason: String?,
        line: Int?
    ) {
        self.workspace = workspace
        self.path = path
        self.format = format
        self.state = state
        self.pairs = pairs
        self.reason = reason
        self.line = line
    }
}

/// `POST /v1/scan` body.
public struct ScanRequest: Codable, Sendable {
    public var workspace: String?
    public init(workspace: String?) { self.workspace = workspace }
}

/// `POST /v1/scan` reply: what the scan did.
public struct ScanResult: Codable, Sendable, Equatable {
    public var filesSeen: Int
    public var ingested: Int
    public var unchanged: Int
    public var rejected: Int
    public var pending: Int
    public var retracted: Int
    public var pairsAdded: Int
    public var pairsRetracted: Int

    public init(
        filesSeen: Int, ingested: Int, unchanged: Int, rejected: Int, pending: Int, retracted: Int, pairsAdded: Int,
        pairsRetracted: Int
    ) {
        self.filesSeen = filesSeen
        self.ingested = ingested
        self.unchanged = unchanged
        self.rejected = rejected
        self.pending = pending
        self.retracted = retracted
        self.pairsAdded = pairsAdded
        self.pairsRetracted = pairsRetracted
    }
}
