import Foundation
import GRDB

/// Schema of the sync journal (multipart uploads in flight and their finished parts; checkpoints waiting to be
/// published and their retry state). Append-only migrations, all named `sync-…`; the Store registers them with its
/// other migrations. The queries live with the journal protocols' GRDB implementation (`SyncStore`), so the Sync
/// module (and the CLI) link no database.
public func registerSyncJournalMigrations(_ migrator: inout DatabaseMigrator) {
    migrator.registerMigration("sync-v1 multipart journal") { db in
        try db.create(table: "sync_upload") { t in
            t.column("remote", .text).notNull() // endpoint + bucket, see SyncJournal.remoteID
            t.column("key", .text).notNull()
            t.column("upload_id", .text).notNull()
            t.column("part_size", .integer).notNull()
            t.column("size", .integer).notNull()
            t.column("sha256", .text).notNull() // content being uploaded; a different file means a new upload
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
    migrator.registerMigration("sync-v3 publish queue with retry state") { db in
        try db.create(table: "sync_pending") { t in
            t.column("scope", .text).notNull() // endpoint + bucket + prefix of the destination
            t.column("checkpoint", .text).notNull()
            t.column("directory", .text).notNull()
            t.column("failures", .integer).notNull().defaults(to: 0)
            t.column("not_before", .double).notNull()
            t.column("last_error", .text)
            t.column("queued_at", .double).notNull()
            t.primaryKey(["scope", "checkpoint"])
        }
    }
}
