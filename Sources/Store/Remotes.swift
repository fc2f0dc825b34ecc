import Foundation
import GRDB

/// A sync remote added over the control API: where the bucket is and where its credentials are. Never a secret.
public struct RemoteSpec: Sendable, Equatable, Codable {
    public var name: String
    /// `s3://bucket[/prefix]`.
    public var url: String
    public var endpoint: String?
    public var region: String?
    /// `path` or `virtual`.
    public var addressing: String?
    /// An AWS shared-credentials file (mode 0600); nil: the daemon's environment.
    public var credentialsFile: String?
    public var profile: String?

    public init(
        name: String, url: String, endpoint: String? = nil, region: String? = nil, addressing: String? = nil,
        credentialsFile: String? = nil, profile: String? = nil
    ) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing
        self.credentialsFile = credentialsFile
        self.profile = profile
    }
}

extension Store {
    /// Saves a new remote; a remote of the same name is a `StoreError.conflict`.
    public func insertRemote(_ spec: RemoteSpec) throws {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM remote WHERE name = ?", arguments: [spec.name]) == true {
                throw StoreError.conflict("a remote named \(spec.name) already exists")
            }
            try db.execute(
                sql: """
                    INSERT INTO remote (name, url, endpoint, region, addressing, credentials_file, profile, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [spec.name, spec.url, spec.endpoint, spec.region, spec.addressing, spec.credentialsFile,
                            spec.profile, Date().timeIntervalSince1970])
        }
    }

    /// Stored remotes, by name.
    public func remotes() throws -> [RemoteSpec] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM remote ORDER BY name").map { row in
                RemoteSpec(
                    name: row["name"], url: row["url"], endpoint: row["endpoint"], region: row["region"],
                    addressing: row["addressing"], credentialsFile: row["credentials_file"], profile: row["profile"])
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
