import Entities
import Foundation
import GRDB

/// A remote's row in `remote`: one column per `RemoteSpec` key (snake_case), through `Codable`, so a new field
/// needs only its migration here.
extension RemoteSpec: FetchableRecord, EncodableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

extension Store {
    /// Saves a new remote; a remote of the same name is a `StoreError.conflict`.
    public func insertRemote(_ spec: RemoteSpec) throws {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM remote WHERE name = ?", arguments: [spec.name]) == true {
                throw StoreError.conflict("a remote named \(spec.name) already exists")
            }
            var columns = try spec.databaseDictionary
            columns["created_at"] = Date().timeIntervalSince1970.databaseValue
            let names = columns.keys.sorted()
            try db.execute(
                sql:
                    "INSERT INTO remote (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                arguments: StatementArguments(names.map { columns[$0] }))
        }
    }

    /// Stored remotes, by name.
    public func remotes() throws -> [RemoteSpec] {
        try pool.read { db in
            do { return try RemoteSpec.fetchAll(db, sql: "SELECT * FROM remote ORDER BY name") } catch let error
                where error is DecodingError || error is RowDecodingError
            {
                throw StoreError.invalid(
                    "a stored remote cannot be read (\(error)); remove it with `transtok remote remove`")
            }
        }
    }

    /// Deletes a stored remote. Refused (`StoreError.conflict`, naming the workspaces) while a workspace syncs to it;
    /// the check and the delete are one transaction, so a workspace cannot start using it in between.
    public func deleteRemote(named name: String) throws {
        try pool.write { db in
            let users = try String.fetchAll(
                db, sql: "SELECT name FROM workspace WHERE remote = ? ORDER BY name", arguments: [name])
            guard users.isEmpty else {
                throw StoreError.conflict(
                    "remote \(name) is used by workspace \(users.joined(separator: ", ")); "
                        + "detach it first (transtok workspace set-remote WORKSPACE --none)")
            }
            try db.execute(sql: "DELETE FROM remote WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw StoreError.notFound("remote \(name)") }
        }
    }

    /// Points a workspace at a remote (nil: stop syncing it). Returns the updated workspace.
    @discardableResult
    public func setWorkspaceRemote(workspace: String, remote: String?) throws -> WorkspaceRecord {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE workspace SET remote = ?, updated_at = ? WHERE name = ?",
                arguments: [remote, Date().timeIntervalSince1970, workspace])
            guard db.changesCount > 0 else { throw StoreError.notFound("workspace \(workspace)") }
        }
        guard let record = try workspaces().first(where: { $0.spec.name == workspace }) else {
            throw StoreError.notFound("workspace \(workspace)")
        }
        return record
    }
}
