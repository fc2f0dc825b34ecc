import Foundation
import GRDB

/// The incremental aligner's persisted state for a workspace and the last pair event it includes: a snapshot and
/// the change records saved after it, in order (the aligner replays them on the snapshot).
public struct AlignmentStateRecord: Sendable {
    public var generation: Int
    public var appliedSeq: Int64
    public var pairCount: Int
    public var state: [UInt8]
    public var changes: [[UInt8]]

    public init(generation: Int, appliedSeq: Int64, pairCount: Int, state: [UInt8], changes: [[UInt8]] = []) {
        self.generation = generation
        self.appliedSeq = appliedSeq
        self.pairCount = pairCount
        self.state = state
        self.changes = changes
    }

    /// Bytes of the snapshot and of all change records.
    public var snapshotBytes: Int { state.count }
    public var changeBytes: Int { changes.reduce(0) { $0 + $1.count } }
}

extension Store {
    public func alignmentState(workspaceID: Int64) throws -> AlignmentStateRecord? {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM alignment_state WHERE workspace_id = ?", arguments: [workspaceID])
        }
        guard let row else { return nil }
        var record = AlignmentStateRecord(
            generation: row["generation"], appliedSeq: row["applied_seq"], pairCount: row["pair_count"],
            state: [UInt8](row["state"] as Data))
        let files = AlignmentStateFiles(store: self)
        if let name = row["state_file"] as String? {
            record.state = try files.read(name, expectedBytes: row["state_bytes"])
        }
        for entry in AlignmentStateFiles.ChangeList(row["state_changes"] ?? "").entries {
            record.changes.append(try files.read(entry.name, expectedBytes: entry.bytes))
        }
        return record
    }

    /// The last pair event the saved alignment includes (without reading the state blob, which can be large).
    public func alignmentAppliedSeq(workspaceID: Int64) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT applied_seq FROM alignment_state WHERE workspace_id = ?", arguments: [workspaceID])
        }
    }

    /// Replaces the state: the bytes go to a new file (framed with a checksum, written with `DurableFile`), then one
    /// transaction points the row at it together with the event position — committed with `synchronous=FULL`, so
    /// the commit is on disk before anything else happens — then the workspace's older state files are removed. A
    /// crash or power loss at any point leaves the row naming a complete file: the old one or the new one.
    public func saveAlignmentState(workspaceID: Int64, _ record: AlignmentStateRecord) throws {
        let files = AlignmentStateFiles(store: self)
        let name = try files.write(record.state, workspaceID: workspaceID, generation: record.generation)
        do {
            try durableWrite { db in
                try db.execute(
                    sql: """
                        INSERT INTO alignment_state
                            (workspace_id, generation, pair_count, state, updated_at, applied_seq, state_file, state_bytes,
                             state_changes)
                        VALUES (?, ?, ?, x'', ?, ?, ?, ?, '')
                        ON CONFLICT(workspace_id) DO UPDATE SET generation = excluded.generation,
                            pair_count = excluded.pair_count, state = excluded.state, updated_at = excluded.updated_at,
                            applied_seq = excluded.applied_seq, state_file = excluded.state_file,
                            state_bytes = excluded.state_bytes, state_changes = ''
                        """,
                    arguments: [
                        workspaceID, record.generation, record.pairCount, Date().timeIntervalSince1970,
                        record.appliedSeq, name, record.state.count,
                    ])
            }
        } catch {
            unlink(files.directory + "/" + name)
            throw error
        }
        files.removeOthers(workspaceID: workspaceID, keeping: [name])
    }

    /// One write transaction whose commit is durable when this returns (WAL fsynced): `synchronous=FULL` for this
    /// commit only (the pragma cannot change inside a transaction), `NORMAL` again afterwards. For commits after
    /// which something irreversible happens (unlinking the files the old row named).
    func durableWrite(_ updates: (Database) throws -> Void) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
            try db.inTransaction {
                try updates(db)
                return .commit
            }
        }
    }

    /// Forgets a workspace's saved alignment (the row; its files go with the next snapshot or start-up sweep): used
    /// when the saved state cannot be read, so every pair event is pending again and the next cycle realigns the
    /// corpus from the store.
    public func forgetAlignmentState(workspaceID: Int64) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM alignment_state WHERE workspace_id = ?", arguments: [workspaceID])
        }
    }

    /// Start-up sweep: removes every alignment state file that no row names (left by a crash between writing a file
    /// and committing its row, by an older snapshot whose removal did not happen, or by a deleted workspace).
    /// Returns how many files were removed.
    @discardableResult
    public func sweepAlignmentStateFiles() throws -> Int {
        let referenced: Set<String> = try pool.read { db in
            var names = Set<String>()
            for row in try Row.fetchAll(db, sql: "SELECT state_file, state_changes FROM alignment_state") {
                if let file = row["state_file"] as String? { names.insert(file) }
                for entry in AlignmentStateFiles.ChangeList(row["state_changes"] ?? "").entries {
                    names.insert(entry.name)
                }
            }
            return names
        }
        return AlignmentStateFiles(store: self).removeUnreferenced(keeping: referenced)
    }

    /// Saves one change record after the current snapshot (and the records before it): the bytes go to a new file
    /// (written, fsynced, renamed), then one transaction appends its name to the row together with the new event
    /// position. A crash at any point leaves the row naming complete files only; an orphaned record is removed
    /// at the next snapshot. Throws when the workspace has no snapshot file to build on.
    public func appendAlignmentChanges(
        workspaceID: Int64, generation: Int, appliedSeq: Int64, pairCount: Int, changes: [UInt8]
    ) throws {
        let files = AlignmentStateFiles(store: self)
        let name = try files.write(changes, workspaceID: workspaceID, generation: generation, suffix: "changes")
        do {
            try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE alignment_state SET generation = ?, pair_count = ?, applied_seq = ?, updated_at = ?,
                            state_changes = state_changes || ?
                        WHERE workspace_id = ? AND state_file IS NOT NULL
                        """,
                    arguments: [
                        generation, pairCount, appliedSeq, Date().timeIntervalSince1970,
                        AlignmentStateFiles.ChangeList.line(name: name, bytes: changes.count), workspaceID,
                    ])
                guard db.changesCount == 1 else {
                    throw StoreError.invalid(
                        "workspace \(workspaceID) has no saved alignment snapshot to add changes to")
                }
            }
        } catch {
            unlink(files.directory + "/" + name)
            throw error
        }
    }

    /// All active pairs of a workspace (for rebuilding derived state), in id order.
    public func activePairs(workspaceID: Int64) throws -> [(source: String, target: String)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT source, target FROM sentence_pair WHERE workspace_id = ? AND retracted = 0 ORDER BY id",
                arguments: [workspaceID]
            ).map { (source: $0["source"], target: $0["target"]) }
        }
    }

    /// Records the tokenizer a workspace trained (frozen from now on) and bumps its version.
    public func setTargetTokenizer(workspaceID: Int64, path: String) throws {
        try pool.write { db in
            try db.execute(
                sql:
                    "UPDATE workspace SET target_tokenizer = ?, tokenizer_version = tokenizer_version + 1, updated_at = ? WHERE id = ?",
                arguments: [path, Date().timeIntervalSince1970, workspaceID])
        }
    }
}

extension Store {
    /// Explicit, versioned tokenizer retraining: forgets the workspace's target tokenizer and every row derived from
    /// it (the alignment state), in one transaction. The next refresh trains `tokenizer-v<version+1>` and realigns
    /// the whole corpus; old checkpoints keep their own tokenizer files.
    public func resetTargetTokenizer(workspaceID: Int64) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE workspace SET target_tokenizer = NULL, updated_at = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, workspaceID])
            try db.execute(sql: "DELETE FROM alignment_state WHERE workspace_id = ?", arguments: [workspaceID])
        }
    }
}
