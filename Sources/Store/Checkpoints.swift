import Foundation
import GRDB

/// A published local checkpoint (a complete Hugging Face model directory with a manifest).
public struct CheckpointRecord: Sendable, Equatable, Codable {
    public var workspaceID: Int64
    public var number: Int
    public var path: String
    public var manifestSHA256: String
    public var parentNumber: Int?
    public var pairCount: Int
    public var sizeBytes: Int64
    public var createdAt: Double
    /// The last pair event the checkpoint's alignment includes.
    public var appliedSeq: Int64

    public init(
        workspaceID: Int64, number: Int, path: String, manifestSHA256: String, parentNumber: Int?, pairCount: Int,
        sizeBytes: Int64, createdAt: Double, appliedSeq: Int64 = 0
    ) {
        self.appliedSeq = appliedSeq
        self.workspaceID = workspaceID
        self.number = number
        self.path = path
        self.manifestSHA256 = manifestSHA256
        self.parentNumber = parentNumber
        self.pairCount = pairCount
        self.sizeBytes = sizeBytes
        self.createdAt = createdAt
    }
}

extension Store {
    /// Records a checkpoint whose directory is already complete on disk (renamed into place).
    public func recordCheckpoint(_ record: CheckpointRecord) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO checkpoint (workspace_id, number, path, manifest_sha256, parent_number, pair_count,
                                            size_bytes, state, created_at, applied_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?)
                    """,
                arguments: [
                    record.workspaceID, record.number, record.path, record.manifestSHA256, record.parentNumber,
                    record.pairCount, record.sizeBytes, record.createdAt, record.appliedSeq,
                ])
        }
    }

    /// Complete checkpoints of a workspace, newest first.
    public func checkpoints(workspaceID: Int64) throws -> [CheckpointRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM checkpoint WHERE workspace_id = ? AND state = 'complete' ORDER BY number DESC",
                arguments: [workspaceID]
            ).map { row in
                CheckpointRecord(
                    workspaceID: row["workspace_id"], number: row["number"], path: row["path"],
                    manifestSHA256: row["manifest_sha256"], parentNumber: row["parent_number"],
                    pairCount: row["pair_count"], sizeBytes: row["size_bytes"], createdAt: row["created_at"],
                    appliedSeq: row["applied_seq"])
            }
        }
    }

    /// The next checkpoint number (numbers are never reused, even after retention deletes old ones).
    public func nextCheckpointNumber(workspaceID: Int64) throws -> Int {
        try pool.read { db in
            (try Int.fetchOne(
                db, sql: "SELECT MAX(number) FROM checkpoint WHERE workspace_id = ?", arguments: [workspaceID]) ?? 0)
                + 1
        }
    }

    public func markCheckpointDeleted(workspaceID: Int64, number: Int) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE checkpoint SET state = 'deleted' WHERE workspace_id = ? AND number = ?",
                arguments: [workspaceID, number])
        }
    }
}
