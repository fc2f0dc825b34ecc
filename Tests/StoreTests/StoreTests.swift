import Entities
import Foundation
import GRDB
import Testing

@testable import Store

@Suite final class StoreTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "transtok-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @Test func migratesForwardInOrderAndUsesWAL() throws {
        let store = try Store(directory: directory)
        let applied = try store.appliedMigrations()
        #expect(applied == StoreMigrations.migrator().migrations)
        #expect(applied.first == "v1-workspaces")
        let mode = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let tables = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for table in [
            "workspace", "corpus_file", "sentence_pair", "pair_provenance", "job", "alignment_state", "checkpoint",
        ] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test func reopeningAppliesNothingTwiceAndKeepsData() throws {
        do {
            let store = try Store(directory: directory)
            try store.upsertWorkspace(
                WorkspaceSpec(name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        }
        let reopened = try Store(directory: directory)
        #expect(try reopened.appliedMigrations().count == StoreMigrations.migrator().migrations.count)
        #expect(try reopened.workspaces().map(\.spec.name) == ["en-tt"])
    }

    @Test func refusesADatabaseFromTheFuture() throws {
        let path = directory + "/future.sqlite"
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v999-from-a-newer-transtok')")
        }
        try queue.close()
        // A database with migrations we do not know comes from a newer transtok: refuse, touch nothing.
        #expect(throws: StoreError.newerSchema(path: path)) { try Store(path: path) }
    }

    @Test func upsertReplacesSettingsAndWatchedDirectories() throws {
        let store = try Store(directory: directory)
        var spec = WorkspaceSpec(
            name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/models/a.gguf",
            parallelDirectories: ["/srv/a", "/srv/b"])
        let id = try store.upsertWorkspace(spec)
        spec.parallelDirectories = ["/srv/c"]
        spec.targetTokenizer = "/tok.json"
        let again = try store.upsertWorkspace(spec)
        #expect(id == again)
        let records = try store.workspaces()
        #expect(records.count == 1)
        #expect(records[0].spec == spec)
        #expect(throws: StoreError.self) {
            try store.upsertWorkspace(WorkspaceSpec(name: "", sourceLanguage: "", targetLanguage: "", sourceModel: ""))
        }
    }

    @Test func countsAreScopedToAWorkspace() throws {
        let store = try Store(directory: directory)
        let a = try store.upsertWorkspace(
            WorkspaceSpec(name: "a", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m"))
        let b = try store.upsertWorkspace(
            WorkspaceSpec(name: "b", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        try store.pool.write { db in
            let now = Date().timeIntervalSince1970
            for (workspace, hash) in [(a, "h1"), (a, "h2"), (b, "h3")] {
                try db.execute(
                    sql:
                        "INSERT INTO sentence_pair (workspace_id, content_hash, source, target, created_at) VALUES (?, ?, 's', 't', ?)",
                    arguments: [workspace, hash, now])
            }
            try db.execute(
                sql:
                    "INSERT INTO corpus_file (workspace_id, path, size, mtime_ns, state, error, updated_at) VALUES (?, '/x.tsv', 1, 1, 'rejected', 'bad', ?)",
                arguments: [b, now])
        }
        #expect(try store.counts().pairs == 3)
        #expect(try store.counts(workspaceID: a).pairs == 2)
        #expect(try store.counts(workspaceID: a).filesRejected == 0)
        #expect(try store.counts(workspaceID: b).filesRejected == 1)
        #expect(try store.counts().workspaces == 2)
    }

    @Test func runningJobsOfADeadProcessBecomeInterrupted() throws {
        let store = try Store(directory: directory)
        try store.pool.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: "INSERT INTO job (kind, state, created_at) VALUES ('refresh', 'running', ?)", arguments: [now])
            try db.execute(
                sql: "INSERT INTO job (kind, state, created_at) VALUES ('refresh', 'queued', ?)", arguments: [now])
        }
        #expect(try store.markInterruptedJobs() == 1)
        #expect(try store.activeJobs().map(\.state) == [.queued])
    }
}
