import Entities
import Foundation
import GRDB

/// A unit of daemon work (ingest, align, refresh, checkpoint, sync) with its progress.
public struct JobRecord: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64?
    public var kind: JobKind
    public var state: JobState
    public var progress: Double
    public var message: String?
}

extension Store {
    /// Queued and running jobs, oldest first.
    public func activeJobs() throws -> [JobRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM job WHERE state IN (?, ?) ORDER BY id",
                arguments: [JobState.queued.rawValue, JobState.running.rawValue]
            ).map { try JobRecord(row: $0) }
        }
    }

    /// Jobs left `running` by a previous process that died are marked `interrupted` at start-up, so status never
    /// shows work that nobody is doing; the pipeline re-plans that work from the store.
    @discardableResult
    public func markInterruptedJobs() throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE job SET state = ?, finished_at = ? WHERE state = ?",
                arguments: [JobState.interrupted.rawValue, Date().timeIntervalSince1970, JobState.running.rawValue])
            return db.changesCount
        }
    }
}

extension JobRecord {
    init(row: Row) throws {
        self.init(
            id: row["id"], workspaceID: row["workspace_id"], kind: try Store.decode(row, "kind"),
            state: try Store.decode(row, "state"),
            progress: row["progress"], message: row["message"])
    }
}

extension Store {
    /// Starts a job (state `running`) and returns its id.
    public func startJob(workspaceID: Int64?, kind: JobKind, message: String? = nil) throws -> Int64 {
        try pool.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql:
                    "INSERT INTO job (workspace_id, kind, state, message, created_at, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [workspaceID, kind.rawValue, JobState.running.rawValue, message, now, now])
            return db.lastInsertedRowID
        }
    }

    public func updateJob(_ id: Int64, progress: Double, message: String?) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE job SET progress = ?, message = ? WHERE id = ?", arguments: [progress, message, id])
        }
    }

    /// Ends a job as `done` or `failed`.
    public func finishJob(_ id: Int64, succeeded: Bool, message: String?) throws {
        try pool.write { db in
            try db.execute(
                sql:
                    "UPDATE job SET state = ?, progress = CASE WHEN ? THEN 1 ELSE progress END, message = ?, finished_at = ? WHERE id = ?",
                arguments: [
                    (succeeded ? JobState.done : .failed).rawValue, succeeded, message, Date().timeIntervalSince1970,
                    id,
                ])
        }
    }
}

extension Store {
    /// Total seconds and number of finished jobs by kind and final state (for metrics).
    public func jobDurations() throws -> [(kind: JobKind, state: JobState, seconds: Double, count: Int)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, state, SUM(finished_at - started_at) AS seconds, COUNT(*) AS count FROM job
                    WHERE finished_at IS NOT NULL AND started_at IS NOT NULL GROUP BY kind, state ORDER BY kind, state
                    """
            ).map {
                (
                    kind: try Store.decode($0, "kind"), state: try Store.decode($0, "state"),
                    seconds: $0["seconds"] ?? 0,
                    count: $0["count"]
                )
            }
        }
    }
}
