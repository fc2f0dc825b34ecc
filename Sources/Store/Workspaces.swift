import Entities
import Foundation
import GRDB

public struct WorkspaceRecord: Sendable, Equatable {
    public var id: Int64
    public var spec: WorkspaceSpec
    public var tokenizerVersion: Int
}

/// What re-applying a config-file workspace did (the start-up path).
public struct WorkspaceReconciliation: Sendable, Equatable {
    public var id: Int64
    public var created: Bool
    /// Changes refused because they conflict with the saved state (the workspace keeps its saved values).
    public var refused: [WorkspaceConflict] = []
    /// The saved remote (set at runtime) kept over the config file's.
    public var keptRemote: WorkspaceConflict?
}

extension Store {
    /// Creates a workspace (`POST /v1/workspaces`, `transtok workspace create`). On an existing name: nothing
    /// changes; an identical request returns the id (`created` false), any difference throws `WorkspaceConflict`
    /// naming the first differing key (state is changed only through an explicit rebuild). One transaction.
    @discardableResult
    public func createWorkspace(_ spec: WorkspaceSpec) throws -> (id: Int64, created: Bool) {
        guard !spec.name.isEmpty else { throw StoreError.invalid("a workspace needs a name") }
        return try pool.write { db in
            if let existing = try Self.workspace(named: spec.name, db) {
                if let conflict = existing.spec.differences(from: spec).first { throw conflict }
                return (existing.id, false)
            }
            return (try Self.insertWorkspace(spec, db), true)
        }
    }

    /// Applies a config-file workspace at start-up. A new name is created. For an existing one, the config file
    /// never resets state the daemon owns: an omitted target tokenizer or remote keeps the saved one (a trained,
    /// frozen tokenizer; a remote set at runtime); a different source model, language or target tokenizer is refused
    /// (returned in `refused`, the saved values stay: `transtok workspace rebuild` applies them explicitly), except a
    /// target tokenizer where none is saved yet (nothing was built from one); a different remote keeps the saved one
    /// (`keptRemote`). Watched folders follow the config file. One transaction.
    public func applyConfiguredWorkspace(_ spec: WorkspaceSpec) throws -> WorkspaceReconciliation {
        guard !spec.name.isEmpty else { throw StoreError.invalid("a workspace needs a name") }
        return try pool.write { db in
            guard let existing = try Self.workspace(named: spec.name, db) else {
                return WorkspaceReconciliation(id: try Self.insertWorkspace(spec, db), created: true)
            }
            var result = WorkspaceReconciliation(id: existing.id, created: false)
            for difference in existing.spec.differences(from: spec) {
                // No tokenizer yet (none given, none trained): nothing was built from one, so the config's applies.
                if difference.key == "target_tokenizer", existing.spec.targetTokenizer == nil {
                    try db.execute(
                        sql: "UPDATE workspace SET target_tokenizer = ?, updated_at = ? WHERE id = ?",
                        arguments: [spec.targetTokenizer, Date().timeIntervalSince1970, existing.id])
                    continue
                }
                if WorkspaceSpec.stateKeys.contains(difference.key) { result.refused.append(difference) }
                if difference.key == "remote", existing.spec.remote != nil { result.keptRemote = difference }
            }
            // The output dtype is a setting, not derived state (the body is stored once per source model and dtype,
            // so a new dtype gets a new base): a dtype the config file names applies; an omitted one keeps the saved
            // one, like every other key the file leaves out (no silent rewrite of a large base to `auto`).
            if let dtype = spec.outputDType, dtype != existing.spec.outputDType {
                try db.execute(
                    sql: "UPDATE workspace SET output_dtype = ?, updated_at = ? WHERE id = ?",
                    arguments: [dtype.rawValue, Date().timeIntervalSince1970, existing.id])
            }
            // The tuning budget is a setting too: a value the config file names applies, an omitted one stays.
            if let budget = spec.tuneSecondsPerCycle, budget != existing.spec.tuneSecondsPerCycle {
                try db.execute(
                    sql: "UPDATE workspace SET tune_seconds_per_cycle = ?, updated_at = ? WHERE id = ?",
                    arguments: [budget, Date().timeIntervalSince1970, existing.id])
            }
            if existing.spec.remote == nil, let remote = spec.remote {
                try db.execute(
                    sql: "UPDATE workspace SET remote = ?, updated_at = ? WHERE id = ?",
                    arguments: [remote, Date().timeIntervalSince1970, existing.id])
            }
            try Self.replaceDirectories(of: existing.id, spec, db)
            return result
        }
    }

    /// What `rebuildWorkspace` changes; nil fields keep the saved value.
    public struct WorkspaceRebuild: Sendable, Equatable {
        public var sourceModel: String?
        public var targetTokenizer: String?
        /// Forget the trained tokenizer: the next cycle trains `tokenizer-v<version+1>`.
        public var retrainTokenizer = false
        /// Another incremental aligner model.
        public var aligner: IncrementalAlignerModel?

        public init(
            sourceModel: String? = nil, targetTokenizer: String? = nil, retrainTokenizer: Bool = false,
            aligner: IncrementalAlignerModel? = nil
        ) {
            self.aligner = aligner
            self.sourceModel = sourceModel
            self.targetTokenizer = targetTokenizer
            self.retrainTokenizer = retrainTokenizer
        }
    }

    /// Explicit rebuild (`transtok workspace rebuild`): applies the given source model and/or target tokenizer and
    /// forgets every state derived from the old ones (the alignment), in one transaction; the next cycle realigns the
    /// whole corpus and publishes a new checkpoint (older checkpoints keep their own files). Returns the updated record.
    @discardableResult
    public func rebuildWorkspace(named name: String, _ change: WorkspaceRebuild) throws -> WorkspaceRecord {
        try pool.write { db in
            guard let existing = try Self.workspace(named: name, db) else {
                throw StoreError.notFound("workspace \(name)")
            }
            let now = Date().timeIntervalSince1970
            if let model = change.sourceModel {
                try db.execute(
                    sql: "UPDATE workspace SET source_model = ?, updated_at = ? WHERE id = ?",
                    arguments: [model, now, existing.id])
            }
            if change.retrainTokenizer {
                try db.execute(
                    sql: "UPDATE workspace SET target_tokenizer = NULL, updated_at = ? WHERE id = ?",
                    arguments: [now, existing.id])
            } else if let tokenizer = change.targetTokenizer {
                try db.execute(
                    sql: "UPDATE workspace SET target_tokenizer = ?, updated_at = ? WHERE id = ?",
                    arguments: [tokenizer, now, existing.id])
            }
            if let aligner = change.aligner {
                try db.execute(
                    sql: "UPDATE workspace SET aligner = ?, updated_at = ? WHERE id = ?",
                    arguments: [aligner.rawValue, now, existing.id])
            }
            try db.execute(sql: "DELETE FROM alignment_state WHERE workspace_id = ?", arguments: [existing.id])
            guard let updated = try Self.workspace(named: name, db) else {
                throw StoreError.notFound("workspace \(name)")
            }
            return updated
        }
    }

    /// Deletes a workspace and every row of it (corpus, pairs, events, jobs, alignment state, checkpoints: the
    /// foreign keys cascade), in one transaction; returns what was deleted. Files are the caller's to remove.
    public func deleteWorkspace(named name: String) throws -> WorkspaceRecord {
        try pool.write { db in
            guard let existing = try Self.workspace(named: name, db) else {
                throw StoreError.notFound("workspace \(name)")
            }
            try db.execute(sql: "DELETE FROM workspace WHERE id = ?", arguments: [existing.id])
            return existing
        }
    }

    private static func insertWorkspace(_ spec: WorkspaceSpec, _ db: Database) throws -> Int64 {
        let now = Date().timeIntervalSince1970
        try db.execute(
            sql: """
                INSERT INTO workspace (name, source_language, target_language, source_model, target_tokenizer,
                                       remote, output_dtype, aligner, tune_seconds_per_cycle, created_at,
                                       updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                spec.name, spec.sourceLanguage, spec.targetLanguage, spec.sourceModel,
                spec.targetTokenizer, spec.remote, spec.outputDType?.rawValue, spec.aligner?.rawValue,
                spec.tuneSecondsPerCycle, now,
                now,
            ])
        let id = db.lastInsertedRowID
        try replaceDirectories(of: id, spec, db)
        return id
    }

    private static func replaceDirectories(of id: Int64, _ spec: WorkspaceSpec, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM watched_directory WHERE workspace_id = ?", arguments: [id])
        for path in spec.parallelDirectories {
            try db.execute(
                sql: "INSERT OR IGNORE INTO watched_directory (workspace_id, path, kind) VALUES (?, ?, 'parallel')",
                arguments: [id, path])
        }
        for path in spec.monolingualDirectories {
            try db.execute(
                sql: "INSERT OR IGNORE INTO watched_directory (workspace_id, path, kind) VALUES (?, ?, 'monolingual')",
                arguments: [id, path])
        }
    }

    static func workspace(named name: String, _ db: Database) throws -> WorkspaceRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM workspace WHERE name = ?", arguments: [name]) else {
            return nil
        }
        return try record(row, db)
    }

    static func record(_ row: Row, _ db: Database) throws -> WorkspaceRecord {
        let id: Int64 = row["id"]
        let dirs = try Row.fetchAll(
            db, sql: "SELECT path, kind FROM watched_directory WHERE workspace_id = ? ORDER BY path", arguments: [id])
        let spec = WorkspaceSpec(
            name: row["name"], sourceLanguage: row["source_language"], targetLanguage: row["target_language"],
            sourceModel: row["source_model"], targetTokenizer: row["target_tokenizer"],
            parallelDirectories: dirs.filter { $0["kind"] == "parallel" }.map { $0["path"] },
            monolingualDirectories: dirs.filter { $0["kind"] == "monolingual" }.map { $0["path"] },
            remote: row["remote"], outputDType: try decodeIfPresent(row, "output_dtype"),
            aligner: try decodeIfPresent(row, "aligner"),
            tuneSecondsPerCycle: row["tune_seconds_per_cycle"])
        return WorkspaceRecord(id: id, spec: spec, tokenizerVersion: row["tokenizer_version"])
    }

    public func workspaces() throws -> [WorkspaceRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM workspace ORDER BY name").map { try Self.record($0, db) }
        }
    }
}

extension Store {
    /// Creates the workspace, or re-applies a config-file workspace without resetting daemon-owned state (see
    /// `applyConfiguredWorkspace`; refused changes are dropped). Returns the workspace id.
    @discardableResult
    public func upsertWorkspace(_ spec: WorkspaceSpec) throws -> Int64 {
        try applyConfiguredWorkspace(spec).id
    }
}
