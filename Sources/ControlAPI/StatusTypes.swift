import Entities
import Foundation

/// `GET /v1/health`.
public struct HealthResponse: Codable, Sendable, Equatable {
    public var status: String
    public var version: String
    /// The commit the daemon was built from (absent from daemons older than this field).
    public var commit: String?

    public init(status: String, version: String, commit: String? = TranstokVersion.commit) {
        self.status = status
        self.version = version
        self.commit = commit
    }
}

/// `GET /v1/status`.
public struct StatusResponse: Codable, Sendable {
    public var version: String
    public var pid: Int32
    public var startedAt: Date
    public var uptimeSeconds: Double
    public var stateDirectory: String
    public var socket: String
    public var workspaces: [WorkspaceStatus]
    public var jobs: [JobStatus]
    public var counts: CountsStatus

    public init(
        version: String, pid: Int32, startedAt: Date, uptimeSeconds: Double, stateDirectory: String, socket: String,
        workspaces: [WorkspaceStatus], jobs: [JobStatus], counts: CountsStatus
    ) {
        self.version = version
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.stateDirectory = stateDirectory
        self.socket = socket
        self.workspaces = workspaces
        self.jobs = jobs
        self.counts = counts
    }
}

public struct WorkspaceStatus: Codable, Sendable {
    public var name: String
    public var sourceLanguage: String
    public var targetLanguage: String
    public var sourceModel: String
    public var targetTokenizer: String?
    public var watchedDirectories: [String]
    public var remote: String?
    /// Output dtype of the checkpoints (`auto`, `f32`, `f16`, `bf16`); nil from a daemon that does not report it.
    public var dtype: String?
    public var counts: CountsStatus

    public init(
        name: String, sourceLanguage: String, targetLanguage: String, sourceModel: String, targetTokenizer: String?,
        watchedDirectories: [String], remote: String?, dtype: String? = nil, counts: CountsStatus
    ) {
        self.name = name
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.sourceModel = sourceModel
        self.targetTokenizer = targetTokenizer
        self.watchedDirectories = watchedDirectories
        self.remote = remote
        self.dtype = dtype
        self.counts = counts
    }
}

public struct JobStatus: Codable, Sendable {
    public var id: Int64
    public var workspace: String?
    public var kind: String
    public var state: JobState
    public var progress: Double
    public var message: String?

    public init(id: Int64, workspace: String?, kind: String, state: JobState, progress: Double, message: String?) {
        self.id = id
        self.workspace = workspace
        self.kind = kind
        self.state = state
        self.progress = progress
        self.message = message
    }
}

public struct CountsStatus: Codable, Sendable, Equatable {
    public var filesIngested: Int
    public var filesPending: Int
    public var filesRejected: Int
    public var pairs: Int
    public var pairsRetracted: Int
    public var checkpoints: Int
    public var jobsQueued: Int
    public var jobsRunning: Int

    public init(
        filesIngested: Int, filesPending: Int, filesRejected: Int, pairs: Int, pairsRetracted: Int, checkpoints: Int,
        jobsQueued: Int, jobsRunning: Int
    ) {
        self.filesIngested = filesIngested
        self.filesPending = filesPending
        self.filesRejected = filesRejected
        self.pairs = pairs
        self.pairsRetracted = pairsRetracted
        self.checkpoints = checkpoints
        self.jobsQueued = jobsQueued
        self.jobsRunning = jobsRunning
    }
}
