import Entities
import GRDB

/// Row counts by state, for `GET /v1/status` and metrics.
public struct StoreCounts: Sendable, Equatable, Codable {
    public var workspaces: Int
    public var filesIngested: Int
    public var filesPending: Int
    public var filesRejected: Int
    public var pairs: Int
    public var pairsRetracted: Int
    public var checkpoints: Int
    public var jobsQueued: Int
    public var jobsRunning: Int

    public init(
        workspaces: Int = 0, filesIngested: Int = 0, filesPending: Int = 0, filesRejected: Int = 0, pairs: Int = 0,
        pairsRetracted: Int = 0, checkpoints: Int = 0, jobsQueued: Int = 0, jobsRunning: Int = 0
    ) {
        self.workspaces = workspaces
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

extension Store {
    /// Counts for one workspace (`workspaceID`) or for the whole store (nil). One read transaction, so the
    /// figures are a consistent snapshot.
    public func counts(workspaceID: Int64? = nil) throws -> StoreCounts {
        try pool.read { db in
            func count(_ table: String, _ condition: String, _ value: (any DatabaseValueConvertible)? = nil) throws
                -> Int
            {
                var sql = "SELECT COUNT(*) FROM \(table) WHERE (\(condition))"
                var arguments: StatementArguments = value.map { [$0] } ?? []
                if let workspaceID {
                    sql += " AND workspace_id = ?"
                    arguments += [workspaceID]
                }
                return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            }
            return StoreCounts(
                workspaces: workspaceID == nil ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workspace") ?? 0 : 1,
                filesIngested: try count("corpus_file", "state = ?", CorpusFileState.ingested.rawValue),
                filesPending: try count("corpus_file", "state = ?", CorpusFileState.pending.rawValue),
                filesRejected: try count("corpus_file", "state = ?", CorpusFileState.rejected.rawValue),
                pairs: try count("sentence_pair", "retracted = 0"),
                pairsRetracted: try count("sentence_pair", "retracted = 1"),
                checkpoints: try count("checkpoint", "state = 'complete'"),
                jobsQueued: try count("job", "state = ?", JobState.queued.rawValue),
                jobsRunning: try count("job", "state = ?", JobState.running.rawValue))
        }
    }
}
