import Entities
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
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        #expect(try store.alignmentState(workspaceID: id) == nil)
        #expect(try store.alignmentAppliedSeq(workspaceID: id) == nil)

        let first = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 10, pairCount: 5, state: first))
        #expect(stateFiles().count == 1)
        let blob = try store.pool.read { db in try Data.fetchOne(db, sql: "SELECT state FROM alignment_state") }
        #expect(blob?.isEmpty == true, "the bytes must not also be stored in the database")

        let second = [UInt8](repeating: 7, count: 1234)
        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 2, appliedSeq: 20, pairCount: 9, state: second))
        #expect(stateFiles().count == 1, "the previous generation's file is removed: \(stateFiles())")
        let reopened = try Store(directory: directory)
        let loaded = try #require(try reopened.alignmentState(workspaceID: id))
        #expect(loaded.state == second)
        #expect((loaded.generation, loaded.appliedSeq, loaded.pairCount) == (2, 20, 9))
        #expect(try reopened.alignmentAppliedSeq(workspaceID: id) == 20)

        // A truncated file is an error naming the file, never a silently shorter state.
        let name = try #require(stateFiles().first)
        try Data(second.prefix(100)).write(to: URL(fileURLWithPath: directory + "/alignment-state/" + name))
        #expect(throws: AlignmentStateUnreadable.self) { try reopened.alignmentState(workspaceID: id) }
    }

    @Test func rowsFromBeforeTheMigrationKeepTheirBlob() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        try store.pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO alignment_state (workspace_id, generation, pair_count, state, updated_at, applied_seq) VALUES (?, 3, 4, ?, 0, 5)",
                arguments: [id, Data([1, 2, 3])])
        }
        #expect(try store.alignmentState(workspaceID: id)?.state == [1, 2, 3])
    }
}

/// Change records saved after a snapshot: listed in the row in order, dropped by the next snapshot.
@Suite struct AlignmentStateChangesStoreTests {
    let directory = NSTemporaryDirectory() + "transtok-alignment-changes-\(UUID().uuidString)"

    func stateFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/alignment-state")) ?? []).sorted()
    }

    @Test func changesFollowTheSnapshotInOrderUntilTheNextSnapshot() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        #expect(throws: StoreError.self, "no snapshot to build on") {
            try store.appendAlignmentChanges(workspaceID: id, generation: 1, appliedSeq: 1, pairCount: 1, changes: [1])
        }
        #expect(stateFiles().isEmpty, "the refused record's file is removed")

        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 10, pairCount: 5, state: [9, 9, 9]))
        try store.appendAlignmentChanges(workspaceID: id, generation: 2, appliedSeq: 20, pairCount: 7, changes: [1, 2])
        try store.appendAlignmentChanges(workspaceID: id, generation: 3, appliedSeq: 30, pairCount: 8, changes: [3])
        let loaded = try #require(try Store(directory: directory).alignmentState(workspaceID: id))
        #expect(loaded.state == [9, 9, 9])
        #expect(loaded.changes == [[1, 2], [3]])
        #expect((loaded.generation, loaded.appliedSeq, loaded.pairCount) == (3, 30, 8))
        #expect((loaded.snapshotBytes, loaded.changeBytes) == (3, 3))
        #expect(try store.alignmentAppliedSeq(workspaceID: id) == 30)
        #expect(stateFiles().count == 3)

        // A missing record is an error naming it, never a silently older state.
        let changesFile = try #require(stateFiles().first { $0.hasSuffix(".changes") })
        let path = directory + "/alignment-state/" + changesFile
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: AlignmentStateUnreadable.self) { try store.alignmentState(workspaceID: id) }
        try saved.write(to: URL(fileURLWithPath: path))

        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 4, appliedSeq: 40, pairCount: 9, state: [4]))
        let compacted = try #require(try store.alignmentState(workspaceID: id))
        #expect(compacted.changes.isEmpty)
        #expect(stateFiles().count == 1, "\(stateFiles())")
    }
}
