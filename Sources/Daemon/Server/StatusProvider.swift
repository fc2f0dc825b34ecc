import ControlAPI
import Foundation
import Store

/// Assembles `GET /v1/status` from the store and the daemon's own facts.
struct StatusProvider: Sendable {
    let store: Store
    let stateDirectory: String
    let socket: String
    let startedAt: Date

    func status() throws -> StatusResponse {
        let workspaces = try store.workspaces()
        let total = try store.counts()
        let jobs = try store.activeJobs()
        let names = Dictionary(uniqueKeysWithValues: workspaces.map { ($0.id, $0.spec.name) })
        return StatusResponse(
            version: TranstokVersion.current,
            pid: getpid(),
            startedAt: startedAt,
            uptimeSeconds: Date().timeIntervalSince(startedAt),
            stateDirectory: stateDirectory,
            socket: socket,
            workspaces: try workspaces.map { record in
                WorkspaceStatus(
                    name: record.spec.name, sourceLanguage: record.spec.sourceLanguage,
                    targetLanguage: record.spec.targetLanguage, sourceModel: record.spec.sourceModel,
                    targetTokenizer: record.spec.targetTokenizer,
                    watchedDirectories: record.spec.parallelDirectories + record.spec.monolingualDirectories,
                    remote: record.spec.remote, dtype: (record.spec.outputDType ?? .auto).rawValue,
                    tuneSecondsPerCycle: record.spec.tuningBudget,
                    tuning: TuningProgressRecord.read(
                        TuningFiles(stateDirectory: stateDirectory, workspace: record.spec.name).progress
                    ).map(TuningStatus.init),
                    counts: CountsStatus(try store.counts(workspaceID: record.id)))
            },
            jobs: jobs.map {
                JobStatus(
                    id: $0.id, workspace: $0.workspaceID.flatMap { names[$0] }, kind: $0.kind, state: $0.state,
                    progress: $0.progress, message: $0.message)
            },
            counts: CountsStatus(total))
    }
}

extension CountsStatus {
    init(_ counts: StoreCounts) {
        self.init(
            filesIngested: counts.filesIngested, filesPending: counts.filesPending, filesRejected: counts.filesRejected,
            pairs: counts.pairs, pairsRetracted: counts.pairsRetracted, checkpoints: counts.checkpoints,
            jobsQueued: counts.jobsQueued, jobsRunning: counts.jobsRunning)
    }
}

extension TuningStatus {
    init(_ record: TuningProgressRecord) {
        self.init(
            checkpoint: record.checkpoint, budgetSeconds: record.budgetSeconds, spentSeconds: record.spentSeconds,
            runSteps: record.runSteps, totalSteps: record.totalSteps, totalTokens: record.totalTokens,
            heldOutBitsPerByte: record.heldOutBitsPerByte, heldOutAtCheckpoint: record.heldOutAtCheckpoint,
            heldOutLines: record.heldOutLines, finished: record.finished, message: record.message)
    }
}
