import Entities
import Foundation
import GRDB

/// A parallel-text file as the store knows it.
public struct CorpusFileRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var workspaceID: Int64
    public var path: String
    public var size: Int64
    public var mtimeNs: Int64
    public var contentHash: String?
    public var format: String?
    public var state: CorpusFileState
    public var error: String?
    public var errorLine: Int?
    public var pairCount: Int
}

/// One sentence pair read from a file, with its normalised content hash and 1-based line number.
public struct IngestedPair: Sendable, Equatable {
    public var source: String
    public var target: String
    public var contentHash: String
    public var line: Int

    public init(source: String, target: String, contentHash: String, line: Int) {
        self.source = source
        self.target = target
        self.contentHash = contentHash
        self.line = line
    }
}

/// The pairs of one file on their way into the store (`Store.beginPairStaging()`).
public struct PairStaging: Sendable, Equatable {
    public let id: Int64
}

/// What one file change did to the corpus.
public struct CorpusChange: Sendable, Equatable {
    public var added: Int = 0
    public var retracted: Int = 0
    public var unchanged: Bool = false

    public init(added: Int = 0, retracted: Int = 0, unchanged: Bool = false) {
        self.added = added
        self.retracted = retracted
        self.unchanged = unchanged
    }
}

extension Store {
    public func corpusFile(workspaceID: Int64, path: String) throws -> CorpusFileRecord? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM corpus_file WHERE workspace_id = ? AND path = ?",
                arguments: [workspaceID, path]
            ).map { try CorpusFileRecord(row: $0) }
        }
    }

    /// Files of a workspace (all, or in one state), ordered by path.
    public func corpusFiles(workspaceID: Int64? = nil, state: CorpusFileState? = nil) throws -> [CorpusFileRecord] {
        try pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let workspaceID {
                clauses.append("workspace_id = ?")
                arguments += [workspaceID]
            }
            if let state {
                clauses.append("state = ?")
                arguments += [state.rawValue]
            }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM corpus_file \(filter) ORDER BY path", arguments: arguments)
                .map { try CorpusFileRecord(row: $0) }
        }
    }

    /// Replaces a file's pairs with `pairs`, in one transaction: new pairs are added (deduplicated across files by
    /// content hash), pairs only this file provided are retracted, and every activation/retraction is logged in
    /// `pair_event`. Re-applying the same content hash is a no-op.
    @discardableResult
    public func ingestFile(
        workspaceID: Int64, path: String, size: Int64, mtimeNs: Int64, contentHash: String, format: String,
        pairs: [IngestedPair]
    ) throws -> CorpusChange {
        try pool.write { db in
            var iterator = pairs.makeIterator()
            return try applyFile(
                db, workspaceID: workspaceID, path: path, size: size, mtimeNs: mtimeNs, contentHash: contentHash,
                format: format, pairCount: pairs.count, next: { iterator.next() })
        }
    }

    /// Applies a file whose pairs were staged with `stage(_:in:)`, in one transaction (as `ingestFile(pairs:)`):
    /// however large the file, memory holds one pair at a time. The staging is consumed, also when this throws.
    @discardableResult
    public func ingestFile(
        workspaceID: Int64, path: String, size: Int64, mtimeNs: Int64, contentHash: String, format: String,
        staged staging: PairStaging
    ) throws -> CorpusChange {
        defer { try? discard(staging) }
        return try pool.write { db in
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM temp.staged_pair WHERE stage = ?", arguments: [staging.id]) ?? 0
            let cursor = try Row.fetchCursor(
                db,
                sql: "SELECT content_hash, source, target, line FROM temp.staged_pair WHERE stage = ? ORDER BY rowid",
                arguments: [staging.id])
            return try applyFile(
                db, workspaceID: workspaceID, path: path, size: size, mtimeNs: mtimeNs, contentHash: contentHash,
                format: format, pairCount: count,
                next: {
                    try cursor.next().map { row in
                        IngestedPair(
                            source: row["source"], target: row["target"], contentHash: row["content_hash"],
                            line: row["line"])
                    }
                })
        }
    }

    /// Starts staging the pairs of one file: they are written in batches (each its own short transaction, so other
    /// writers are not held up while a large file is read) to a temporary table of the writer connection, and reach
    /// the corpus only through `ingestFile(staged:)`, all at once. A crash leaves nothing behind (temporary tables
    /// live and die with the connection).
    public func beginPairStaging() throws -> PairStaging {
        try pool.write { db in
            try Self.createTemporaryTables(db)
            let id = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(stage), 0) + 1 FROM temp.staged_pair") ?? 1
            // Reserve the id with a marker row (line 0) so a second staging started before any batch gets another.
            try db.execute(
                sql:
                    "INSERT INTO temp.staged_pair (stage, content_hash, source, target, line) VALUES (?, '', '', '', 0)",
                arguments: [id])
            return PairStaging(id: id)
        }
    }

    /// Adds a batch of pairs, in file order, to a staging.
    public func stage(_ pairs: [IngestedPair], in staging: PairStaging) throws {
        guard !pairs.isEmpty else { return }
        try pool.write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO temp.staged_pair (stage, content_hash, source, target, line) VALUES (?, ?, ?, ?, ?)")
            for pair in pairs {
                try insert.execute(arguments: [staging.id, pair.contentHash, pair.source, pair.target, pair.line])
            }
        }
    }

    /// Drops a staging's pairs (the file was rejected, or applied).
    public func discard(_ staging: PairStaging) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM temp.staged_pair WHERE stage = ?", arguments: [staging.id])
        }
    }

    private static func createTemporaryTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TEMP TABLE IF NOT EXISTS staged_pair (
                    stage INTEGER NOT NULL, content_hash TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
                    line INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS temp.staged_pair_stage ON staged_pair(stage);
                CREATE TEMP TABLE IF NOT EXISTS previous_pair (pair_id INTEGER PRIMARY KEY);
                """)
    }

    /// The body of both `ingestFile`s: `next` yields the file's pairs in order (the marker row of a staging, line
    /// 0, is skipped).
    private func applyFile(
        _ db: Database, workspaceID: Int64, path: String, size: Int64, mtimeNs: Int64, contentHash: String,
        format: String, pairCount: Int, next: () throws -> IngestedPair?
    ) throws -> CorpusChange {
        let now = Date().timeIntervalSince1970
        if let existing = try Row.fetchOne(
            db, sql: "SELECT id, content_hash, state FROM corpus_file WHERE workspace_id = ? AND path = ?",
            arguments: [workspaceID, path]),
            existing["content_hash"] as String? == contentHash,
            existing["state"] as String == CorpusFileState.ingested.rawValue
        {
            // Same content (e.g. re-saved or touched): only remember the new size/mtime.
            try db.execute(
                sql: "UPDATE corpus_file SET size = ?, mtime_ns = ?, updated_at = ? WHERE id = ?",
                arguments: [size, mtimeNs, now, existing["id"] as Int64])
            return CorpusChange(unchanged: true)
        }
        var pairCount = pairCount
        var change = CorpusChange()
        let fileID = try upsertFileRow(
            db, workspaceID: workspaceID, path: path, size: size, mtimeNs: mtimeNs, contentHash: contentHash,
            format: format, state: .ingested, error: nil, errorLine: nil, pairCount: pairCount, now: now)
        try rememberAndDropProvenance(db, fileID: fileID)
        // Prepared once per transaction: this loop runs once per pair (millions for a large file).
        let findPair = try db.cachedStatement(
            sql: "SELECT id, retracted FROM sentence_pair WHERE workspace_id = ? AND content_hash = ?")
        let revive = try db.cachedStatement(sql: "UPDATE sentence_pair SET retracted = 0 WHERE id = ?")
        let insertPair = try db.cachedStatement(
            sql:
                "INSERT INTO sentence_pair (workspace_id, content_hash, source, target, created_at) VALUES (?, ?, ?, ?, ?)"
        )
        let insertEvent = try db.cachedStatement(
            sql: "INSERT INTO pair_event (workspace_id, pair_id, kind) VALUES (?, ?, 'add')")
        let insertProvenance = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO pair_provenance (pair_id, file_id, line) VALUES (?, ?, ?)")
        while let pair = try next() {
            if pair.line == 0 {
                pairCount -= 1 // a staging's marker row
                continue
            }
            let pairID: Int64
            if let row = try Row.fetchOne(findPair, arguments: [workspaceID, pair.contentHash]) {
                pairID = row["id"]
                if row["retracted"] as Int == 1 {
                    try revive.execute(arguments: [pairID])
                    try insertEvent.execute(arguments: [workspaceID, pairID])
                    change.added += 1
                }
            } else {
                try insertPair.execute(arguments: [workspaceID, pair.contentHash, pair.source, pair.target, now])
                pairID = db.lastInsertedRowID
                try insertEvent.execute(arguments: [workspaceID, pairID])
                change.added += 1
            }
            try insertProvenance.execute(arguments: [pairID, fileID, pair.line])
        }
        try db.execute(sql: "UPDATE corpus_file SET pair_count = ? WHERE id = ?", arguments: [pairCount, fileID])
        change.retracted = try retractOrphans(db, workspaceID: workspaceID)
        return change
    }

    /// Marks a file rejected with the reason and line. Pairs from an earlier good version of the file stay as
    /// they were: a bad edit is never half-applied, and nothing is lost until the file is fixed or deleted.
    public func rejectFile(
        workspaceID: Int64, path: String, size: Int64, mtimeNs: Int64, contentHash: String?, format: String?,
        error: String, line: Int?
    ) throws {
        try pool.write { db in
            _ = try upsertFileRow(
                db, workspaceID: workspaceID, path: path, size: size, mtimeNs: mtimeNs, contentHash: contentHash,
                format: format, state: .rejected, error: error, errorLine: line, pairCount: nil,
                now: Date().timeIntervalSince1970)
        }
    }

    /// Records a file that is waiting for something (e.g. the other half of a Moses pair).
    public func markFilePending(workspaceID: Int64, path: String, size: Int64, mtimeNs: Int64, reason: String) throws {
        try pool.write { db in
            _ = try upsertFileRow(
                db, workspaceID: workspaceID, path: path, size: size, mtimeNs: mtimeNs, contentHash: nil, format: nil,
                state: .pending, error: reason, errorLine: nil, pairCount: nil, now: Date().timeIntervalSince1970)
        }
    }

    /// A file disappeared: its pairs are retracted unless another file also provides them. One transaction.
    @discardableResult
    public func retractFile(workspaceID: Int64, path: String) throws -> CorpusChange {
        try pool.write { db in
            guard
                let fileID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM corpus_file WHERE workspace_id = ? AND path = ? AND state != ?",
                    arguments: [workspaceID, path, CorpusFileState.retracted.rawValue])
            else { return CorpusChange(unchanged: true) }
            try rememberAndDropProvenance(db, fileID: fileID)
            try db.execute(
                sql:
                    "UPDATE corpus_file SET state = ?, pair_count = 0, error = NULL, error_line = NULL, updated_at = ? WHERE id = ?",
                arguments: [CorpusFileState.retracted.rawValue, Date().timeIntervalSince1970, fileID])
            return CorpusChange(retracted: try retractOrphans(db, workspaceID: workspaceID))
        }
    }

    private func upsertFileRow(
        _ db: Database, workspaceID: Int64, path: String, size: Int64, mtimeNs: Int64, contentHash: String?,
        format: String?, state: CorpusFileState, error: String?, errorLine: Int?, pairCount: Int?, now: Double
    ) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO corpus_file (workspace_id, path, size, mtime_ns, content_hash, format, state, error, error_line,
                                         pair_count, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(workspace_id, path) DO UPDATE SET
                    size = excluded.size, mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash,
                    format = excluded.format, state = excluded.state, error = excluded.error,
                    error_line = excluded.error_line,
                    pair_count = CASE WHEN ? IS NULL THEN corpus_file.pair_count ELSE excluded.pair_count END,
                    updated_at = excluded.updated_at
                """,
            arguments: [
                workspaceID, path, size, mtimeNs, contentHash, format, state.rawValue, error, errorLine, pairCount ?? 0,
                now, pairCount,
            ])
        guard
            let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM corpus_file WHERE workspace_id = ? AND path = ?",
                arguments: [workspaceID, path])
        else { throw StoreError.notFound("corpus file \(path)") }
        return id
    }

    /// Moves the ids of the pairs a file provided to `temp.previous_pair` (on disk, not in memory: a file may
    /// provide millions) and drops the file's provenance rows.
    private func rememberAndDropProvenance(_ db: Database, fileID: Int64) throws {
        try Self.createTemporaryTables(db)
        try db.execute(sql: "DELETE FROM temp.previous_pair")
        try db.execute(
            sql:
                "INSERT OR IGNORE INTO temp.previous_pair (pair_id) SELECT pair_id FROM pair_provenance WHERE file_id = ?",
            arguments: [fileID])
        try db.execute(sql: "DELETE FROM pair_provenance WHERE file_id = ?", arguments: [fileID])
    }

    /// Retracts the pairs of `temp.previous_pair` that no file provides any more, in id order.
    private func retractOrphans(_ db: Database, workspaceID: Int64) throws -> Int {
        var retracted = 0
        let orphans = try Int64.fetchCursor(
            db,
            sql: """
                SELECT p.pair_id FROM temp.previous_pair p
                WHERE NOT EXISTS (SELECT 1 FROM pair_provenance WHERE pair_id = p.pair_id) ORDER BY p.pair_id
                """)
        let retract = try db.cachedStatement(
            sql: "UPDATE sentence_pair SET retracted = 1 WHERE id = ? AND retracted = 0")
        while let pairID = try orphans.next() {
            try retract.execute(arguments: [pairID])
            if db.changesCount > 0 {
                try logEvent(db, workspaceID: workspaceID, pairID: pairID, kind: "retract")
                retracted += 1
            }
        }
        try db.execute(sql: "DELETE FROM temp.previous_pair")
        return retracted
    }

    private func logEvent(_ db: Database, workspaceID: Int64, pairID: Int64, kind: String) throws {
        try db.execute(
            sql: "INSERT INTO pair_event (workspace_id, pair_id, kind) VALUES (?, ?, ?)",
            arguments: [workspaceID, pairID, kind])
    }
}

extension CorpusFileRecord {
    init(row: Row) throws {
        self.init(
            id: row["id"], workspaceID: row["workspace_id"], path: row["path"], size: row["size"],
            mtimeNs: row["mtime_ns"],
            contentHash: row["content_hash"], format: row["format"], state: try Store.decode(row, "state"),
            error: row["error"], errorLine: row["error_line"], pairCount: row["pair_count"])
    }
}

extension Store {
    /// An enum column, with an error naming the column and the value instead of a crash on an unknown one.
    static func decode<Value: RawRepresentable>(_ row: Row, _ column: String) throws -> Value
    where Value.RawValue == String {
        let raw: String = row[column]
        guard let value = Value(rawValue: raw) else {
            throw StoreError.invalid("unknown \(column) \(raw) in the database (written by a newer transtok?)")
        }
        return value
    }

    /// `decode` for a nullable column (nil when NULL).
    static func decodeIfPresent<Value: RawRepresentable>(_ row: Row, _ column: String) throws -> Value?
    where Value.RawValue == String {
        guard (row[column] as String?) != nil else { return nil }
        return try decode(row, column) as Value
    }
}

extension Store {
    /// Deletes a `pending` bookkeeping row (e.g. one half of a Moses pair that is now ingested under its partner).
    public func forgetPendingFile(workspaceID: Int64, path: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "DELETE FROM corpus_file WHERE workspace_id = ? AND path = ? AND state = ?",
                arguments: [workspaceID, path, CorpusFileState.pending.rawValue])
        }
    }
}
