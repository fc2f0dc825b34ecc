import Entities
import Foundation
import GRDB
import Testing

@testable import Store

/// The store's rows against the one definition of each entity (Sources/Entities): every entity key has its column,
/// the states' CHECK constraints list exactly the enums' cases, and enum columns read back typed.
@Suite final class EntityRowTests {
    let directory = NSTemporaryDirectory() + "transtok-entity-rows-\(UUID().uuidString)"
    let store: Store

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func columns(_ table: String) throws -> Set<String> {
        try store.pool.read { db in Set(try db.columns(in: table).map(\.name)) }
    }

    /// The values a `CHECK (column IN ('a', 'b'))` constraint allows, read from the schema SQLite stored.
    func checkedValues(_ table: String, _ column: String) throws -> Set<String> {
        let sql = try store.pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        }
        let text = try #require(sql)
        let start = try #require(text.range(of: "\(column) TEXT NOT NULL CHECK (\(column) IN ("))
        let end = try #require(text[start.upperBound...].range(of: ")"))
        return Set(
            text[start.upperBound..<end.lowerBound].split(separator: ",").map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " '"))
            })
    }

    @Test func stateConstraintsListExactlyTheEnumCases() throws {
        #expect(try checkedValues("corpus_file", "state") == Set(CorpusFileState.allCases.map(\.rawValue)))
        #expect(try checkedValues("job", "state") == Set(JobState.allCases.map(\.rawValue)))
    }

    @Test func everyRemoteKeyHasItsColumn() throws {
        #expect(try columns("remote") == Set(RemoteSpec.columnNames + ["created_at"]))
    }

    /// A workspace key is a `workspace` column (snake_case, or the name below), or a kind of watched folder.
    @Test func everyWorkspaceKeyHasItsColumn() throws {
        let folderKinds: [WorkspaceSpec.CodingKeys: String] = [
            .parallelDirectories: "parallel", .monolingualDirectories: "monolingual",
        ]
        let renamed: [WorkspaceSpec.CodingKeys: String] = [.outputDType: "output_dtype"]
        let workspaceColumns = try columns("workspace")
        for key in WorkspaceSpec.CodingKeys.allCases {
            if let kind = folderKinds[key] {
                let sql = try store.pool.read { db in
                    try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'watched_directory'")
                }
                #expect(sql?.contains("'\(kind)'") == true, "\(key) has no watched_directory kind")
            } else {
                let column = renamed[key] ?? snakeCase(key.rawValue)
                #expect(workspaceColumns.contains(column), "workspace key \(key.rawValue) has no column \(column)")
            }
        }
    }

    @Test func aRemoteRoundTripsWithItsEnums() throws {
        let spec = RemoteSpec(
            name: "r", url: "s3://b/p", endpoint: "http://127.0.0.1:1", region: "eu-west-1", addressing: .virtualHosted,
            credentialsFile: "/etc/c", profile: "p", partIntegrity: .checksumSHA256)
        try store.insertRemote(spec)
        #expect(try store.remotes() == [spec])
        let raw = try store.pool.read { db in try Row.fetchOne(db, sql: "SELECT addressing, part_integrity FROM remote")
        }
        #expect(raw?["addressing"] == "virtual" && raw?["part_integrity"] == "checksumSHA256")
    }

    /// Rows written when the daemon accepted `virtual-hosted` as a spelling read back as the one style.
    @Test func aLegacyAddressingSpellingReadsBack() throws {
        try store.pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO remote (name, url, addressing, created_at) VALUES ('old', 's3://b', 'virtual-hosted', 0)"
            )
        }
        #expect(try store.remotes().first?.addressing == .virtualHosted)
    }

    /// An unknown value in an enum column is an error naming it, not a crash.
    @Test func anUnknownAddressingIsAnError() throws {
        try store.pool.write { db in
            try db.execute(
                sql: "INSERT INTO remote (name, url, addressing, created_at) VALUES ('odd', 's3://b', 'sideways', 0)")
        }
        #expect(throws: StoreError.self) { try store.remotes() }
    }

    @Test func fileAndJobStatesReadBackTyped() throws {
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "w", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        try store.markFilePending(workspaceID: id, path: "/a.en", size: 1, mtimeNs: 1, reason: "partner")
        #expect(try store.corpusFiles(workspaceID: id, state: .pending).map(\.state) == [.pending])
        #expect(try store.corpusFiles(workspaceID: id, state: .ingested).isEmpty)
        let job = try store.startJob(workspaceID: id, kind: .refresh)
        #expect(try store.activeJobs().map(\.state) == [.running])
        #expect(try store.activeJobs().map(\.kind) == [.refresh])
        try store.finishJob(job, succeeded: false, message: "x")
        #expect(try store.jobDurations().map(\.state) == [.failed])
    }

    @Test func anUnknownJobKindIsAnErrorNamingTheColumn() throws {
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO job (kind, state, created_at) VALUES ('defragment', 'running', 0)")
        }
        let error = try #require(throws: StoreError.self) { try store.activeJobs() }
        #expect("\(error)".contains("kind defragment"), "\(error)")
    }
}
