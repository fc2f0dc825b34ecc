import Foundation
import GRDB

/// A language pair the daemon keeps adapted: source model, target tokenizer, watched folders, remote.
public struct WorkspaceSpec: Sendable, Equatable, Codable {
    public var name: String
    public var sourceLanguage: String
    public var targetLanguage: String
    public var sourceModel: String
    public var targetTokenizer: String?
    public var parallelDirectories: [String]
    public var monolingualDirectories: [String]
    public var remote: String?
    /// Output dtype name of the checkpoints (`auto`, `f32`, `f16`, `bf16`; nil = auto).
    public var outputDType: String?

    public init(
        name: String, sourceLanguage: String, targetLanguage: String, sourceModel: String,
        targetTokenizer: String? = nil, parallelDirectories: [String] = [], monolingualDirectories: [String] = [],
        remote: String? = nil, outputDType: String? = nil
    ) {
        self.name = name
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.sourceModel = sourceModel
        self.targetTokenizer = targetTokenizer
        self.parallelDirectories = parallelDirectories
        self.monolingualDirectories = monolingualDirectories
        self.remote = remote
        self.outputDType = outputDType
    }
}

public struct WorkspaceRecord: Sendable, Equatable {
    public var id: Int64
    public var spec: WorkspaceSpec
    public var tokenizerVersion: Int
}

extension Store {
    /// Creates the workspace or updates its settings; watched directories are replaced as given.
    /// Returns the workspace id. One transaction.
    @discardableResult
    public func upsertWorkspace(_ spec: WorkspaceSpec) throws -> Int64 {
        guard !spec.name.isEmpty else { throw StoreError.invalid("a workspace needs a name") }
        return try pool.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO workspace (name, source_language, target_language, source_model, target_tokenizer,
                                           remote, output_dtype, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET
                        source_language = excluded.source_language, target_language = excluded.target_language,
                        source_model = excluded.source_model, target_tokenizer = excluded.target_tokenizer,
                        remote = excluded.remote, output_dtype = excluded.output_dtype, updated_at = excluded.updated_at
                    """,
                arguments: [spec.name, spec.sourceLanguage, spec.targetLanguage, spec.sourceModel,
                            spec.targetTokenizer, spec.remote, spec.outputDType, now, now])
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM workspace WHERE name = ?", arguments: [spec.name])
            else { throw StoreError.notFound("workspace \(spec.name)") }
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
            return id
        }
    }

    public func workspaces() throws -> [WorkspaceRecord] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM workspace ORDER BY name")
            return try rows.map { row in
                let id: Int64 = row["id"]
                let dirs = try Row.fetchAll(
                    db, sql: "SELECT path, kind FROM watched_directory WHERE workspace_id = ? ORDER BY path",
                    arguments: [id])
                let spec = WorkspaceSpec(
                    name: row["name"], sourceLanguage: row["source_language"], targetLanguage: row["target_language"],
                    sourceModel: row["source_model"], targetTokenizer: row["target_tokenizer"],
                    parallelDirectories: dirs.filter { $0["kind"] == "parallel" }.map { $0["path"] },
                    monolingualDirectories: dirs.filter { $0["kind"] == "monolingual" }.map { $0["path"] },
                    remote: row["remote"], outputDType: row["output_dtype"])
                return WorkspaceRecord(id: id, spec: spec, tokenizerVersion: row["tokenizer_version"])
            }
        }
    }
}
