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
    /// CPU seconds of embedding tuning per refresh cycle (0 = off); nil from a daemon that does not report it.
    public var tuneSecondsPerCycle: Double?
    /// The latest tuning run; nil when the workspace never tuned.
    public var tuning: TuningStatus?
    public var counts: CountsStatus

    public init(
        name: String, sourceLanguage: String, targetLanguage: String, sourceModel: String, targetTokenizer: String?,
        watchedDirectories: [String], remote: String?, dtype: String? = nil, tuneSecondsPerCycle: Double? = nil,
        tuning: TuningStatus? = nil, counts: CountsStatus
    ) {
        self.tuneSecondsPerCycle = tuneSecondsPerCycle
        self.tuning = tuning
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

/// A workspace's latest embedding-tuning run (issue #15) and the totals of its optimizer state.
public struct TuningStatus: Codable, Sendable, Equatable {
    /// The checkpoint whose rows the run started from (its tuned rows go into the next checkpoint).
    public var checkpoint: Int
    public var budgetSeconds: Double
    public var spentSeconds: Double
    public var runSteps: Int
    public var totalSteps: Int
    public var totalTokens: Int
    /// Held-out bits/byte: the latest figure, and that of the run's starting rows (the published checkpoint).
    public var heldOutBitsPerByte: Double?
    public var heldOutAtCheckpoint: Double?
    public var heldOutLines: Int
    public var finished: Bool
    public var message: String

    public init(
        checkpoint: Int, budgetSeconds: Double, spentSeconds: Double, runSteps: Int, totalSteps: Int,
        totalTokens: Int, heldOutBitsPerByte: Double?, heldOutAtCheckpoint: Double?, heldOutLines: Int,
        finished: Bool, message: String
    ) {
        self.checkpoint = checkpoint
        self.budgetSeconds = budgetSeconds
        self.spentSeconds = spentSeconds
        self.runSteps = runSteps
        self.totalSteps = totalSteps
        self.totalTokens = totalTokens
        self.heldOutBitsPerByte = heldOutBitsPerByte
        self.heldOutAtCheckpoint = heldOutAtCheckpoint
        self.heldOutLines = heldOutLines
        self.finished = finished
        self.message = message
    }
}

public struct JobStatus: Codable, Sendable {
    public var id: Int64
    public var workspace: String?
    public var kind: JobKind
    public var state: JobState
    public var progress: Double
    public var message: String?

    public init(id: Int64, workspace: String?, kind: JobKind, state: JobState, progress: Double, message: String?) {
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
