import GRDB

/// The schema, migrated forward only. A migration is never modified once it has shipped: add a new one.
/// Migrations use literal table and column names, never application types (GRDB's migration guidance).
public enum StoreMigrations {
    public static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-workspaces") { db in
            try db.execute(
                sql: """
                    CREATE TABLE workspace (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        source_language TEXT NOT NULL,
                        target_language TEXT NOT NULL,
                        source_model TEXT NOT NULL,
                        target_tokenizer TEXT,
                        tokenizer_version INTEGER NOT NULL DEFAULT 0,
                        remote TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE watched_directory (
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                        path TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('parallel', 'monolingual')),
                        UNIQUE (workspace_id, path)
                    );
                    """)
        }

        migrator.registerMigration("v1-corpus") { db in
            try db.execute(
                sql: """
                    CREATE TABLE corpus_file (
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                        path TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        mtime_ns INTEGER NOT NULL,
                        content_hash TEXT,
                        format TEXT,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'ingested', 'rejected', 'retracted')),
                        error TEXT,
                        error_line INTEGER,
                        pair_count INTEGER NOT NULL DEFAULT 0,
                        updated_at REAL NOT NULL,
                        UNIQUE (workspace_id, path)
                    );
                    CREATE INDEX corpus_file_state ON corpus_file(workspace_id, state);
                    CREATE TABLE sentence_pair (
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                        content_hash TEXT NOT NULL,
                        source TEXT NOT NULL,
                        target TEXT NOT NULL,
                        retracted INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        UNIQUE (workspace_id, content_hash)
                    );
                    CREATE TABLE pair_provenance (
                        pair_id INTEGER NOT NULL REFERENCES sentence_pair(id) ON DELETE CASCADE,
                        file_id INTEGER NOT NULL REFERENCES corpus_file(id) ON DELETE CASCADE,
                        line INTEGER NOT NULL,
                        PRIMARY KEY (pair_id, file_id, line)
                    );
                    CREATE INDEX pair_provenance_file ON pair_provenance(file_id);
                    """)
        }

        migrator.registerMigration("v1-jobs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER REFERENCES workspace(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'interrupted')),
                        progress REAL NOT NULL DEFAULT 0,
                        message TEXT,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL
                    );
                    CREATE INDEX job_state ON job(state);
                    """)
        }

        migrator.registerMigration("v1-alignment-state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alignment_state (
                        workspace_id INTEGER PRIMARY KEY REFERENCES workspace(id) ON DELETE CASCADE,
                        generation INTEGER NOT NULL,
                        pair_count INTEGER NOT NULL,
                        state BLOB NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    """)
        }

        migrator.registerMigration("v1-checkpoints") { db in
            try db.execute(
                sql: """
                    CREATE TABLE checkpoint (
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        manifest_sha256 TEXT NOT NULL,
                        parent_number INTEGER,
                        pair_count INTEGER NOT NULL,
                        size_bytes INTEGER NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('complete', 'deleted')),
                        created_at REAL NOT NULL,
                        UNIQUE (workspace_id, number)
                    );
                    """)
        }

        // An append-only log of pairs becoming active or retracted, written in the same transaction as the
        // corpus change. Consumers (the incremental aligner) remember the last sequence number they applied, so
        // after a crash they replay exactly what they missed: no pair is lost or counted twice.
        migrator.registerMigration("v2-pair-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pair_event (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                        pair_id INTEGER NOT NULL REFERENCES sentence_pair(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL CHECK (kind IN ('add', 'retract'))
                    );
                    CREATE INDEX pair_event_workspace ON pair_event(workspace_id, seq);
                    ALTER TABLE alignment_state ADD COLUMN applied_seq INTEGER NOT NULL DEFAULT 0;
                    """)
        }

        // Which pair events a checkpoint reflects, so a crash between saving the alignment state and publishing
        // the checkpoint is noticed at start-up and the checkpoint is written then.
        migrator.registerMigration("v3-checkpoint-applied-seq") { db in
            try db.execute(sql: "ALTER TABLE checkpoint ADD COLUMN applied_seq INTEGER NOT NULL DEFAULT 0")
        }

        // The S3 multipart journal (Sync): upload ids, part size, finished parts with their ETags.
        registerSyncJournalMigrations(&migrator)

        // Remotes added over the control API (`transtok remote add`); config-file remotes are not stored. Never a
        // secret: credentials stay in the daemon's environment or a 0600 credentials file named here.
        migrator.registerMigration("v4-remotes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE remote (
                        name TEXT PRIMARY KEY,
                        url TEXT NOT NULL,
                        endpoint TEXT,
                        region TEXT,
                        addressing TEXT,
                        credentials_file TEXT,
                        profile TEXT,
                        created_at REAL NOT NULL
                    );
                    """)
        }

        // The aligner state moves out of the database into a file beside it (named here, written and fsynced before
        // the row that names it): rewriting a blob of hundreds of MB each cycle doubled the I/O through the WAL and
        // blocked every other writer meanwhile. Rows written before keep their blob (`state_file` NULL).
        migrator.registerMigration("v5-alignment-state-file") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alignment_state ADD COLUMN state_file TEXT;
                    ALTER TABLE alignment_state ADD COLUMN state_bytes INTEGER;
                    """)
        }

        // Change records saved after the snapshot file (`name:bytes` per line, in order): a refresh cycle saves
        // what it changed instead of the whole aligner state.
        migrator.registerMigration("v6-alignment-state-changes") { db in
            try db.execute(sql: "ALTER TABLE alignment_state ADD COLUMN state_changes TEXT NOT NULL DEFAULT ''")
        }

        // Per-workspace output dtype of checkpoints (NULL = auto).
        migrator.registerMigration("v7-workspace-output-dtype") { db in
            try db.execute(sql: "ALTER TABLE workspace ADD COLUMN output_dtype TEXT")
        }

        // Per-remote part integrity (`part_integrity`: contentMD5 or checksumSHA256; NULL = contentMD5).
        migrator.registerMigration("v8-remote-part-integrity") { db in
            try db.execute(sql: "ALTER TABLE remote ADD COLUMN part_integrity TEXT")
        }

        // Per-workspace incremental aligner model (NULL = ibm2).
        migrator.registerMigration("v9-workspace-aligner") { db in
            try db.execute(sql: "ALTER TABLE workspace ADD COLUMN aligner TEXT")
        }

        // Per-workspace embedding-tuning budget per refresh cycle, CPU seconds (NULL = 0 = off).
        migrator.registerMigration("v10-workspace-tune-seconds") { db in
            try db.execute(sql: "ALTER TABLE workspace ADD COLUMN tune_seconds_per_cycle REAL")
        }

        return migrator
    }
}
