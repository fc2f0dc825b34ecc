import Foundation
import GRDB
import Store
import Sync

/// The sync journals in SQLite: the daemon passes its Store's pool (tables from Store's `sync-…` migrations);
/// tools and tests open their own file. Blocking GRDB calls: use from the sync threads.
public struct GRDBSyncJournal: MultipartJournal, PublishQueueJournal {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) { self.writer = writer }

    /// Opens (or creates) a WAL database at `path` with the sync migrations applied.
    public static func open(path: String) throws -> GRDBSyncJournal {
        let pool = try DatabasePool(path: path)
        var migrator = DatabaseMigrator()
        registerSyncJournalMigrations(&migrator)
        try migrator.migrate(pool)
        return GRDBSyncJournal(pool)
    }

    // MARK: MultipartJournal

    public func upload(remote: String, key: String) throws -> JournaledUpload? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM sync_upload WHERE remote = ? AND key = ?", arguments: [remote, key])
            else { return nil }
            let id: String = row["upload_id"]
            var parts: [Int: String] = [:]
            for p in try Row.fetchAll(
                db, sql: "SELECT part_number, etag FROM sync_upload_part WHERE upload_id = ?", arguments: [id])
            {
                parts[p["part_number"]] = p["etag"]
            }
            return JournaledUpload(
                remote: remote, key: key, uploadID: id, partSize: row["part_size"], size: row["size"],
                sha256: row["sha256"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                integrity: row["integrity"], parts: parts)
        }
    }

    public func uploadIDs(remote: String) throws -> Set<String> {
        try writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT upload_id FROM sync_upload WHERE remote = ?", arguments: [remote]))
        }
    }

    public func begin(_ u: JournaledUpload) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sync_upload (remote, key, upload_id, part_size, size, sha256, created_at, integrity)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(remote, key) DO UPDATE SET upload_id = excluded.upload_id,
                      part_size = excluded.part_size, size = excluded.size, sha256 = excluded.sha256,
                      created_at = excluded.created_at, integrity = excluded.integrity
                    """,
                arguments: [
                    u.remote, u.key, u.uploadID, u.partSize, u.size, u.sha256, u.createdAt.timeIntervalSince1970,
                    u.integrity,
                ])
        }
    }

    public func recordPart(uploadID: String, partNumber: Int, etag: String, size: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sync_upload_part (upload_id, part_number, etag, size) VALUES (?, ?, ?, ?)
                    ON CONFLICT(upload_id, part_number) DO UPDATE SET etag = excluded.etag, size = excluded.size
                    """,
                arguments: [uploadID, partNumber, etag, size])
        }
    }

    public func finish(remote: String, key: String, uploadID: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM sync_upload_part WHERE upload_id = ?", arguments: [uploadID])
            try db.execute(
                sql: "DELETE FROM sync_upload WHERE remote = ? AND key = ? AND upload_id = ?",
                arguments: [remote, key, uploadID])
        }
    }

    // MARK: PublishQueueJournal

    public func pending(scope: String) throws -> [PendingPublish] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM sync_pending WHERE scope = ? ORDER BY queued_at, rowid", arguments: [scope]
            ).map { row in
                PendingPublish(
                    scope: scope, checkpoint: row["checkpoint"], directory: row["directory"], failures: row["failures"],
                    notBefore: Date(timeIntervalSince1970: row["not_before"]), lastError: row["last_error"])
            }
        }
    }

    public func save(_ e: PendingPublish) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sync_pending (scope, checkpoint, directory, failures, not_before, last_error, queued_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(scope, checkpoint) DO UPDATE SET directory = excluded.directory,
                      failures = excluded.failures, not_before = excluded.not_before, last_error = excluded.last_error
                    """,
                arguments: [
                    e.scope, e.checkpoint, e.directory, e.failures, e.notBefore.timeIntervalSince1970,
                    e.lastError, Date().timeIntervalSince1970,
                ])
        }
    }

    public func remove(scope: String, checkpoint: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "DELETE FROM sync_pending WHERE scope = ? AND checkpoint = ?", arguments: [scope, checkpoint])
        }
    }
}
