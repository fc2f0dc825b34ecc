import Foundation
import GRDB

/// A unit of daemon work (ingest, align, refresh, checkpoint, sync) with its progress.
public struct JobRecord: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64?
    public var kind: String
    public var state: String
    public var progress: Double
    public var message: String?
}

extension Store {
    /// Queued and running jobs, oldest first.
    public func activeJobs() throws -> [JobRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM job WHERE state IN ('queued', 'running') ORDER BY id"
            ).map(JobRecord.init(row:))
        }
    }

    /// Jobs left `running` by a previous process that died are marked `interrupted` at start-up, so status never
    /// shows work that nobody is doing; the pipeline re-plans that work from the store.
    @discardableResult
    public func markInterruptedJobs() throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE job SET state = 'interrupted', finished_at = ? WHERE state = 'running'",
                arguments: [Date().timeIntervalSince1970])
            return db.changesCount
        }
    }
}

extension JobRecord {
    init(row: Row) {
        self.init(
            id: row["id"], workspaceID: row["workspace_id"], kind: row["kind"], state: row["state"],
            progress: row["progress"], message: row["message"])
    }
}
