import Foundation
import GRDB
import Testing

@testable import Store

/// The aligner state lives in a file beside the database, named by its row together with the event position.
@Suite struct AlignmentStateStoreTests {
    let directory = NSTemporaryDirectory() + "transtok-alignment-state-\(UUID().uuidString)"

    func stateFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/alignment-state")) ?? []).sorted()
    }

    @Test func savedStateIsAFileNamedByTheRowAndOlderFilesGo() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let id = try store.upsertWorkspace(WorkspaceSpec(name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        #expect(try store.alignmentState(workspaceID: id) == nil)
        #expect(try store.alignmentAppliedSeq(workspaceID: id) == nil)

        let first = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try store.saveAlignmentState(workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 10, pairCount: 5, state: first))
        #expect(stateFiles().count == 1)
        let blob = try store.pool.read { db in try Data.fetchOne(db, sql: "SELECT state FROM alignment_state") }
        #expect(blob?.isEmpty == true, "the bytes must not also be stored in the database")

        let second = [UInt8](repeating: 7, count: 1234)
        try store.saveAlignmentState(workspaceID: id, AlignmentStateRecord(generation: 2, appliedSeq: 20, pairCount: 9, state: second))
        #expect(stateFiles().count == 1, "the previous generation's file is removed: \(stateFiles())")
        let reopened = try Store(directory: directory)
        let loaded = try #require(try reopened.alignmentState(workspaceID: id))
        #expect(loaded.state == second)
        #expect((loaded.generation, loaded.appliedSeq, loaded.pairCount) == (2, 20, 9))
        #expect(try reopened.alignmentAppliedSeq(workspaceID: id) == 20)

        // A truncated file is an error naming the file, never a silently shorter state.
        let name = try #require(stateFiles().first)
        try Data(second.prefix(100)).write(to: URL(fileURLWithPath: directory + "/alignment-state/" + name))
        #expect(throws: StoreError.self) { try reopened.alignmentState(workspaceID: id) }
    }

    @Test func rowsFromBeforeTheMigrationKeepTheirBlob() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let id = try store.upsertWorkspace(WorkspaceSpec(name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        try store.pool.write { db in
            try db.execute(
                sql: "INSERT INTO alignment_state (workspace_id, generation, pair_count, state, updated_at, applied_seq) VALUES (?, 3, 4, ?, 0, 5)",
                arguments: [id, Data([1, 2, 3])])
        }
        #expect(try store.alignmentState(workspaceID: id)?.state == [1, 2, 3])
    }
}
