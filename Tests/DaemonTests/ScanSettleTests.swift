import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Issue #14 item 7: a scan (start-up, periodic) has no close event to go by, so a file modified within the settle
/// time may still be being written: it is left alone and checked again once it has settled, never ingested
/// truncated.
@Suite struct ScanSettleTests {
    @Test func aFileStillBeingWrittenIsIngestedOnlyOnceSettled() async throws {
        let root = try makeTemporaryDirectory("settle")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let incoming = root + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        let store = try Store(directory: root)
        try store.upsertWorkspace(
            WorkspaceSpec(
                name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
                parallelDirectories: [incoming]))
        // Long enough for a loaded CI machine.
        let controller = CorpusController(store: store, logger: Logger(label: "test"), settleSeconds: 30) { _ in }

        // A copy in progress: half the lines so far, modified just now.
        let path = incoming + "/big.tsv"
        let handle = try #require(
            FileHandle(
                forWritingAtPath: {
                    FileManager.default.createFile(atPath: path, contents: nil)
                    return path
                }()))
        try handle.write(contentsOf: Data("one\tuno\ntwo\tdos\n".utf8))
        let first = try await controller.scan(settle: true)
        #expect(first.unsettled == 1 && first.ingested == 0)
        #expect(try store.counts().pairs == 0, "a file still being written was ingested")

        // The writer finishes within the settle time; the re-check ingests the whole file once it has settled.
        try handle.write(contentsOf: Data("three\ttres\n".utf8))
        try handle.close()
        let deadline = Date().addingTimeInterval(120)
        while try store.counts().pairs < 3, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try store.counts().pairs == 3)
        #expect(
            try store.pairEvents(workspaceID: try #require(try store.workspaces().first).id, after: 0).count == 3,
            "never a truncated version first")

        // Explicit scans (`transtok ingest`, `POST /v1/scan`) ingest at once.
        try "four\tcuatro\n".write(toFile: incoming + "/now.tsv", atomically: true, encoding: .utf8)
        let explicit = try await controller.scan()
        #expect(explicit.ingested == 1)
    }
}
