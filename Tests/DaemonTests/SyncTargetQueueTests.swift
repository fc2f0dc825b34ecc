import ControlAPI
import Entities
import Foundation
import GRDB
import HummingbirdTesting
import Store
import Testing

@testable import Daemon

/// Issue #14 (sync): a workspace's queued uploads belong to the destination it syncs to. Moving it to another remote
/// or detaching it drops the old destination's queue, journal rows (`sync_pending`) included, instead of leaving
/// them forever.
@Suite struct SyncTargetQueueTests {
    @Test func movingOrDetachingARemoteDropsTheOldDestinationsQueuedUploads() async throws {
        let daemon = try InProcessDaemon(label: "syncqueue")
        defer { daemon.removeFiles() }
        let store = daemon.services.store
        let credentials = daemon.root + "/credentials"
        try "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
            .write(toFile: credentials, atomically: true, encoding: .utf8)
        chmod(credentials, 0o600)
        let workspace = try store.createWorkspace(
            WorkspaceSpec(
                name: "ws", sourceLanguage: "en", targetLanguage: "es", sourceModel: daemon.root + "/model",
                parallelDirectories: [daemon.root + "/incoming"]))
        let (sync, root, workspaceID) = (daemon.services.sync, daemon.root, workspace.id)
        @Sendable func pending() throws -> [String] {
            try store.pool.read { try String.fetchAll($0, sql: "SELECT scope FROM sync_pending ORDER BY scope") }
        }
        @Sendable func queueCheckpoint(_ number: Int) {
            sync.enqueue(
                workspace: "ws",
                checkpoint: CheckpointRecord(
                    workspaceID: workspaceID, number: number, path: root + "/checkpoint-\(number)",
                    manifestSHA256: "", parentNumber: nil, pairCount: 0, sizeBytes: 0, createdAt: 0))
        }

        try await daemon.test { client in
            for name in ["a", "b"] {
                _ = try await client.call(
                    ControlEndpoints.AddRemote.self, .init(), query: .init(),
                    body: RemoteRequest(
                        RemoteSpec(
                            name: name, url: "s3://bucket-\(name)/p", endpoint: "http://127.0.0.1:9",
                            credentialsFile: credentials),
                        check: false))
            }
            func attach(_ remote: String?) async throws {
                let status = try await client.call(
                    ControlEndpoints.SetWorkspaceRemote.self, NameParameter("ws"), query: .init(),
                    body: WorkspaceRemoteRequest(remote: remote))
                #expect(status.remote == remote)
            }
            try await attach("a")
            queueCheckpoint(1)
            let onA = try pending()
            #expect(onA.count == 1 && onA.allSatisfy { $0.contains("bucket-a") }, "\(onA)")

            // Moved to b: a's queue is dropped (main before the fix: its row stayed).
            try await attach("b")
            #expect(try pending().isEmpty)
            queueCheckpoint(2)
            #expect(try pending().count == 1)

            // Detached: nothing queued is left for b either.
            try await attach(nil)
            #expect(try pending().isEmpty)
        }
    }
}
