import Foundation
import GRDB
import Logging
import Systems

/// The daemon's durable state: one SQLite database in WAL mode, opened through a GRDB `DatabasePool`
/// (one writer, concurrent readers). Every state change that matters is one write transaction.
/// `Store.inMemory` opens the same schema in memory (a `DatabaseQueue`), for in-process tests.
public struct Store: Sendable {
    public let pool: any DatabaseWriter
    /// The database file (`:memory:` for an in-memory store).
    public let path: String
    /// Where files kept beside the database go (the aligner state files).
    public let directory: String

    /// Opens (creating if needed) `<directory>/transtok.sqlite` and migrates it forward.
    public init(directory: String, logger: Logger = Logger(label: "transtok.store")) throws {
        try self.init(path: (directory as NSString).appendingPathComponent("transtok.sqlite"), logger: logger)
    }

    public init(path: String, logger: Logger = Logger(label: "transtok.store")) throws {
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(synchronous: "NORMAL"))
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        try self.init(writer: pool, path: path, directory: (path as NSString).deletingLastPathComponent, logger: logger)
    }

    /// An empty store in memory, migrated like a file; files it keeps beside the database go to `filesDirectory`.
    /// Gone when the value is released.
    public static func inMemory(filesDirectory: String, logger: Logger = Logger(label: "transtok.store")) throws
        -> Store
    {
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(configuration: configuration(synchronous: "OFF")) } catch {
            throw StoreError.cannotOpen(path: ":memory:", reason: "\(error)")
        }
        return try Store(writer: queue, path: ":memory:", directory: filesDirectory, logger: logger)
    }

    private static func configuration(synchronous: String) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // Temporary tables (a corpus file's staged pairs, `CorpusFiles.swift`) can be as large as a file: on disk.
            try db.execute(sql: "PRAGMA temp_store = FILE")
        }
        return configuration
    }

    private init(writer pool: any DatabaseWriter, path: String, directory: String, logger: Logger) throws {
        let migrator = StoreMigrations.migrator()
        // A database written by a newer transtok has migrations we do not know: refuse rather than guess.
        if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
            throw StoreError.newerSchema(path: path)
        }
        let pending = try pool.read { db in try migrator.appliedIdentifiers(db) }
        try migrator.migrate(pool)
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        if applied.count != pending.count {
            logger.info(
                "store migrated",
                metadata: [
                    "store.path": "\(path)", "store.migrations.applied": "\(applied.count - pending.count)",
                ])
        }
        self.pool = pool
        self.path = path
        self.directory = directory
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
        case .newerSchema(let path):
            "\(path) was written by a newer transtok (unknown schema migrations); upgrade transtok"
        case .io(let error): error.description
        }
    }
}
