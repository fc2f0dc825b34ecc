import Foundation
import GRDB
import Logging
import Systems

/// The daemon's durable state: one SQLite database in WAL mode, opened through a GRDB `DatabasePool`
/// (one writer, concurrent readers). Every state change that matters is one write transaction.
public struct Store: Sendable {
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) `<directory>/transtok.sqlite` and migrates it forward.
    public init(directory: String, logger: Logger = Logger(label: "transtok.store")) throws {
        try self.init(path: (directory as NSString).appendingPathComponent("transtok.sqlite"), logger: logger)
    }

    public init(path: String, logger: Logger = Logger(label: "transtok.store")) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Temporary tables (a corpus file's staged pairs, `CorpusFiles.swift`) can be as large as a file: on disk.
            try db.execute(sql: "PRAGMA temp_store = FILE")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        let migrator = StoreMigrations.migrator()
        // A database written by a newer transtok has migrations we do not know: refuse rather than guess.
        if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
            throw StoreError.newerSchema(path: path)
        }
        let pending = try pool.read { db in try migrator.appliedIdentifiers(db) }
        try migrator.migrate(pool)
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        if applied.count != pending.count {
            logger.info("store migrated", metadata: [
                "store.path": "\(path)", "store.migrations.applied": "\(applied.count - pending.count)",
            ])
        }
        self.pool = pool
        self.path = path
    }

    /// Identifiers of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        let migrator = StoreMigrations.migrator()
        return try pool.read { db in
            let applied = try migrator.appliedIdentifiers(db)
            return migrator.migrations.filter { applied.contains($0) }
        }
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case notFound(String)
    case invalid(String)
    /// The change contradicts what is stored (a duplicate name, a remote still in use).
    case conflict(String)
    case newerSchema(path: String)
    /// A file the store keeps beside the database could not be written (`isOutOfSpace` tells a full disk).
    case io(DurableFileError)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the database \(path): \(reason)"
        case .notFound(let what): "\(what) not found"
        case .invalid(let what): what
        case .conflict(let what): what
        case .newerSchema(let path): "\(path) was written by a newer transtok (unknown schema migrations); upgrade transtok"
        case .io(let error): error.description
        }
    }
}
