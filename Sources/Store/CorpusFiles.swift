import Foundation
import Entities
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
                db, sql: "SELECT * FROM corpus_file WHERE workspace_id = ? AND path = ?", arguments: [workspaceID, path]
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
            let now = Date().timeIntervalSince1970
            if let existing = try Row.fetchOne(
                db, sql: "SELECT id, content_hash, state FROM corpus_file WHERE workspace_id = ? AND path = ?",
                arguments: [workspaceID, path]),
                existing["content_hash"] as String? == contentHash, existing["state"] as String == CorpusFileState.ingested.rawValue
            {
                // Same content (e.g. re-saved or touched): only remember the new size/mtime.
                try db.execute(
                    sql: "UPDATE corpus_file SET size = ?, mtime_ns = ?, updated_at = ? WHERE id = ?",
                    arguments: [size, mtimeNs, now, existing["id"] as Int64])
                return CorpusChange(unchanged: true)
            }
            let fileID = try upsertFileRow(
                db, workspaceID: workspaceID, path: path, size: size, mtimeNs: mtimeNs, contentHash: contentHash,
                format: format, state: .ingested, error: nil, errorLine: nil, pairCount: pairs.count, now: now)
            var change = CorpusChange()
            let previous = Set(try Int64.fetchAll(db, sql: "SELECT pair_id FROM pair_provenance WHERE file_id = ?", arguments: [fileID]))
            try db.execute(sql: "DELETE FROM pair_provenance WHERE file_id = ?", arguments: [fileID])
            // Prepared once per transaction: this loop runs once per pair (tens of thousands per file).
            let findPair = try db.cachedStatement(
                sql: "SELECT id, retracted FROM sentence_pair WHERE workspace_id = ? AND content_hash = ?")
            let revive = try db.cachedStatement(sql: "UPDATE sentence_pair SET retracted = 0 WHERE id = ?")
            let insertPair = try db.cachedStatement(
                sql: "INSERT INTO sentence_pair (workspace_id, content_hash, source, target, created_at) VALUES (?, ?, ?, ?, ?)")
            let insertEvent = try db.cachedStatement(
                sql: "INSERT INTO pair_event (workspace_id, pair_id, kind) VALUES (?, ?, 'add')")
            let insertProvenance = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO pair_provenance (pair_id, file_id, line) VALUES (?, ?, ?)")
            for pair in pairs {
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
            change.retracted = try retractOrphans(db, workspaceID: workspaceID, candidates: previous)
            return change
        }
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
            guard let fileID = try Int64.fetchOne(
                db, sql: "SELECT id FROM corpus_file WHERE workspace_id = ? AND path = ? AND state != ?",
                arguments: [workspaceID, path, CorpusFileState.retracted.rawValue])
            else { return CorpusChange(unchanged: true) }
            let previous = Set(try Int64.fetchAll(db, sql: "SELECT pair_id FROM pair_provenance WHERE file_id = ?", arguments: [fileID]))
            try db.execute(sql: "DELETE FROM pair_provenance WHERE file_id = ?", arguments: [fileID])
            try db.execute(
                sql: "UPDATE corpus_file SET state = ?, pair_count = 0, error = NULL, error_line = NULL, updated_at = ? WHERE id = ?",
                arguments: [CorpusFileState.retracted.rawValue, Date().timeIntervalSince1970, fileID])
            return CorpusChange(retracted: try retractOrphans(db, workspaceID: workspaceID, candidates: previous))
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
            arguments: [workspaceID, path, size, mtimeNs, contentHash, format, state.rawValue, error, errorLine, pairCount ?? 0,
                        now, pairCount])
        guard let id = try Int64.fetchOne(
            db, sql: "SELECT id FROM corpus_file WHERE workspace_id = ? AND path = ?", arguments: [workspaceID, path])
        else { throw StoreError.notFound("corpus file \(path)") }
        return id
    }

    private func retractOrphans(_ db: Database, workspaceID: Int64, candidates: Set<Int64>) throws -> Int {
        var retracted = 0
        for pairID in candidates.sorted() {
            let stillProvided = try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM pair_provenance WHERE pair_id = ?)", arguments: [pairID]) ?? false
            if !stillProvided {
                try db.execute(sql: "UPDATE sentence_pair SET retracted = 1 WHERE id = ? AND retracted = 0", arguments: [pairID])
                if db.changesCount > 0 {
                    try logEvent(db, workspaceID: workspaceID, pairID: pairID, kind: "retract")
                    retracted += 1
                }
            }
        }
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
            id: row["id"], workspaceID: row["workspace_id"], path: row["path"], size: row["size"], mtimeNs: row["mtime_ns"],
            contentHash: row["content_hash"], format: row["format"], state: try Store.decode(row, "state"),
            error: row["error"], errorLine: row["error_line"], pairCount: row["pair_count"])
    }
}

extension Store {
    /// An enum column, with an error naming the column and the value instead of a crash on an unknown one.
    static func decode<Value: RawRepresentable>(_ row: Row, _ column: String) throws -> Value where Value.RawValue == String {
        let raw: String = row[column]
        guard let value = Value(rawValue: raw) else {
            throw StoreError.invalid("unknown \(column) \(raw) in the database (written by a newer transtok?)")
        }
        return value
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
