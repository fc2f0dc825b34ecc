import Foundation
import GRDB

/// Schema of the sync journal (multipart uploads in flight and their finished parts). Append-only migrations,
/// all named `sync-…`; the Store registers them with its other migrations.
public func registerSyncJournalMigrations(_ migrator: inout DatabaseMigrator) {
    migrator.registerMigration("sync-v1 multipart journal") { db in
        try db.create(table: "sync_upload") { t in
            t.column("remote", .text).notNull()  // endpoint + bucket, see SyncJournal.remoteID
            t.column("key", .text).notNull()
            t.column("upload_id", .text).notNull()
            t.column("part_size", .integer).notNull()
            t.column("size", .integer).notNull()
            t.column("sha256", .text).notNull()  // content being uploaded; a different file means a new upload
            t.column("created_at", .double).notNull()
            t.primaryKey(["remote", "key"])
        }
        try db.create(table: "sync_upload_part") { t in
            t.column("upload_id", .text).notNull()
            t.column("part_number", .integer).notNull()
            t.column("etag", .text).notNull()
            t.column("size", .integer).notNull()
            t.primaryKey(["upload_id", "part_number"])
        }
    }
    migrator.registerMigration("sync-v2 upload integrity mode") { db in
        try db.alter(table: "sync_upload") { t in
            t.add(column: "integrity", .text).notNull().defaults(to: "contentMD5")
        }
    }
}

/// A multipart upload the daemon started and has not finished.
public struct JournaledUpload: Sendable, Equatable {
    public var remote: String
    public var key: String
    public var uploadID: String
    public var partSize: Int64
    public var size: Int64
    public var sha256: String
    public var createdAt: Date
    /// How parts are checked (`contentMD5` or `checksumSHA256`); a resume must use the same.
    public var integrity: String
    /// Finished parts: number → ETag.
    public var parts: [Int: String]

    public init(
        remote: String, key: String, uploadID: String, partSize: Int64, size: Int64, sha256: String,
        createdAt: Date = Date(), integrity: String = "contentMD5", parts: [Int: String] = [:]
    ) {
        self.remote = remote
        self.key = key
        self.uploadID = uploadID
        self.partSize = partSize
        self.size = size
        self.sha256 = sha256
        self.createdAt = createdAt
        self.integrity = integrity
        self.parts = parts
    }
}

/// Reads and writes the multipart journal. Blocking GRDB calls: use from the sync threads.
public struct SyncJournal: Sendable {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) { self.writer = writer }

    /// Opens (or creates) a WAL database at `path` with the sync migrations applied (tests and one-shot tools;
    /// the daemon passes the Store's pool instead).
    public static func open(path: String) throws -> SyncJournal {
        let pool = try DatabasePool(path: path)
        var migrator = DatabaseMigrator()
        registerSyncJournalMigrations(&migrator)
        try migrator.migrate(pool)
        return SyncJournal(pool)
    }

    public func upload(remote: String, key: String) throws -> JournaledUpload? {
        try writer.read { db in
            guard let row = try Row.fetchOne(
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

    /// All uploads of `remote` (to tell ours from stale ones when cleaning up).
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
                arguments: [u.remote, u.key, u.uploadID, u.partSize, u.size, u.sha256, u.createdAt.timeIntervalSince1970,
                    u.integrity])
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

    /// Forgets an upload (completed or aborted) and its parts.
    public func finish(remote: String, key: String, uploadID: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM sync_upload_part WHERE upload_id = ?", arguments: [uploadID])
            try db.execute(
                sql: "DELETE FROM sync_upload WHERE remote = ? AND key = ? AND upload_id = ?",
                arguments: [remote, key, uploadID])
        }
    }
}
