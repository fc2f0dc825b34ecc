import Entities
import Foundation
import GRDB
import Testing

@testable import Store

/// Remotes added over the API: unique names, no secret column, deletion refused while a workspace uses them.
@Suite final class RemoteStoreTests {
    let directory = NSTemporaryDirectory() + "transtok-remotes-\(UUID().uuidString)"
    let store: Store

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @Test func namesAreUniqueAndDeletionWaitsUntilNoWorkspaceUsesIt() throws {
        let spec = RemoteSpec(
            name: "backup", url: "s3://b/p", endpoint: "http://127.0.0.1:9000", credentialsFile: "/etc/c")
        try store.insertRemote(spec)
        #expect(try store.remotes() == [spec])
        #expect(throws: StoreError.conflict("a remote named backup already exists")) { try store.insertRemote(spec) }

        try store.upsertWorkspace(
            WorkspaceSpec(name: "ws", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        #expect(try store.setWorkspaceRemote(workspace: "ws", remote: "backup").spec.remote == "backup")
        #expect(throws: StoreError.self) { try store.deleteRemote(named: "backup") }
        #expect(try store.remotes().count == 1)

        try store.setWorkspaceRemote(workspace: "ws", remote: nil)
        try store.deleteRemote(named: "backup")
        #expect(try store.remotes().isEmpty)
        #expect(throws: StoreError.notFound("remote backup")) { try store.deleteRemote(named: "backup") }
        #expect(throws: StoreError.notFound("workspace nope")) {
            try store.setWorkspaceRemote(workspace: "nope", remote: nil)
        }
    }

    @Test func theRemoteTableHasNoPlaceForASecret() throws {
        let columns = try store.pool.read { db in try db.columns(in: "remote").map(\.name) }
        #expect(
            Set(columns) == [
                "name", "url", "endpoint", "region", "addressing", "credentials_file", "profile", "part_integrity",
                "created_at",
            ])
    }
}
