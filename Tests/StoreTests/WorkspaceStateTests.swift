import Entities
import Foundation
import GRDB
import Testing

@testable import Store

/// Issue #14 item 1: workspace state the daemon owns is never reset by re-applying the config file or by a repeated
/// create; conflicting changes are refused naming the key, and applied only by an explicit rebuild.
@Suite struct WorkspaceStateTests {
    let directory = NSTemporaryDirectory() + "transtok-workspace-state-\(UUID().uuidString)"
    let spec = WorkspaceSpec(
        name: "en-tt", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m/a.gguf",
        parallelDirectories: ["/c/en-tt"])

    func store() throws -> Store {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try Store(directory: directory)
    }

    @Test func reapplyingTheConfigKeepsTheTrainedTokenizerAndTheRuntimeRemote() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try store()
        let id = try store.applyConfiguredWorkspace(spec).id
        try store.setTargetTokenizer(workspaceID: id, path: "/state/workspaces/en-tt/tokenizer-v1/tokenizer.json")
        try store.pool.write { db in
            try db.execute(sql: "UPDATE workspace SET remote = 'backup' WHERE id = ?", arguments: [id])
        }

        var moved = spec
        moved.parallelDirectories = ["/c/other"]
        let again = try store.applyConfiguredWorkspace(moved)
        #expect(again.id == id && !again.created && again.refused.isEmpty)
        let saved = try #require(try store.workspaces().first)
        #expect(saved.spec.targetTokenizer == "/state/workspaces/en-tt/tokenizer-v1/tokenizer.json")
        #expect(saved.tokenizerVersion == 1)
        #expect(saved.spec.remote == "backup")
        #expect(saved.spec.parallelDirectories == ["/c/other"], "watched folders follow the config file")
    }

    @Test func aConfigWithAnotherModelOrTokenizerIsRefusedNamingTheKey() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try store()
        let id = try store.applyConfiguredWorkspace(spec).id
        try store.setTargetTokenizer(workspaceID: id, path: "/t/v1.json")
        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 3, pairCount: 3, state: [1, 2]))
        var changed = spec
        changed.sourceModel = "/m/b.gguf"
        changed.targetTokenizer = "/t/other.json"
        let result = try store.applyConfiguredWorkspace(changed)
        #expect(result.refused.map(\.key) == ["source_model", "target_tokenizer"])
        let saved = try #require(try store.workspaces().first)
        #expect(saved.spec.sourceModel == "/m/a.gguf" && saved.spec.targetTokenizer == "/t/v1.json")
        #expect(try store.alignmentAppliedSeq(workspaceID: id) == 3, "the alignment is kept")
    }

    @Test func createOnAnExistingNameIsAConflictUnlessIdentical() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try store()
        let first = try store.createWorkspace(spec)
        #expect(first.created)
        try store.setTargetTokenizer(workspaceID: first.id, path: "/t/v1.json")
        let same = try store.createWorkspace(spec) // the tokenizer left out: the saved one stands
        #expect(same.id == first.id && !same.created)
        var other = spec
        other.sourceModel = "/m/b.gguf"
        #expect {
            try store.createWorkspace(other)
        } throws: { error in
            (error as? WorkspaceConflict)?.key == "source_model"
        }
        #expect(try store.workspaces().first?.spec.sourceModel == "/m/a.gguf")
        #expect(try store.workspaces().first?.spec.targetTokenizer == "/t/v1.json")
    }

    @Test func rebuildAppliesTheChangeAndForgetsTheAlignmentAndDeleteRemovesTheRows() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try store()
        let id = try store.createWorkspace(spec).id
        try store.setTargetTokenizer(workspaceID: id, path: "/t/v1.json")
        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 3, pairCount: 3, state: [1, 2]))
        let rebuilt = try store.rebuildWorkspace(
            named: "en-tt", .init(sourceModel: "/m/b.gguf", retrainTokenizer: true))
        #expect(
            rebuilt.spec.sourceModel == "/m/b.gguf" && rebuilt.spec.targetTokenizer == nil
                && rebuilt.tokenizerVersion == 1)
        #expect(try store.alignmentAppliedSeq(workspaceID: id) == nil)
        #expect(throws: StoreError.notFound("workspace nope")) { try store.rebuildWorkspace(named: "nope", .init()) }

        _ = try store.deleteWorkspace(named: "en-tt")
        #expect(try store.workspaces().isEmpty)
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM watched_directory") } == 0)
    }
}
