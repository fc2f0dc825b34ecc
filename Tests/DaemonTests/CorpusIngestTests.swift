import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Ingestion against a real store and real files: dedup, edits, deletes, rejections, symlinks.
@Suite struct CorpusIngestTests {
    let root: String
    let incoming: String
    let store: Store
    let workspace: WorkspaceRecord
    let controller: CorpusController

    init() throws {
        root = try makeTemporaryDirectory("ingest")
        incoming = root + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        store = try Store(directory: root)
        try store.upsertWorkspace(
            WorkspaceSpec(
                name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
                parallelDirectories: [incoming]))
        workspace = try #require(try store.workspaces().first)
        controller = CorpusController(store: store, logger: Logger(label: "test")) { _ in }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: incoming + "/" + name, atomically: true, encoding: .utf8)
    }

    @Test func pairsAreDeduplicatedAcrossFilesAndRetractedOnlyWhenNoFileHasThem() async throws {
        try write("a.tsv", "one\tuno\ntwo\tdos\n")
        try write("b.tsv", "two\tdos\nthree\ttres\n")
        var summary = try await controller.scan()
        #expect(summary.ingested == 2)
        #expect(summary.pairsAdded == 3)
        #expect(try store.counts().pairs == 3)

        try FileManager.default.removeItem(atPath: incoming + "/a.tsv")
        summary = try await controller.scan()
        #expect(summary.pairsRetracted == 1) // "two" is still provided by b.tsv
        #expect(try store.counts().pairs == 2)
        let events = try store.pairEvents(workspaceID: workspace.id, after: 0)
        #expect(events.filter(\.isAddition).count == 3)
        #expect(events.filter { !$0.isAddition }.map(\.source) == ["one"])
    }

    @Test func rescanningUnchangedFilesDoesNothingAndEditsReplacePairs() async throws {
        try write("a.tsv", "one\tuno\ntwo\tdos\n")
        _ = try await controller.scan()
        let again = try await controller.scan()
        #expect(again.unchanged == 1)
        #expect(again.pairsAdded == 0)
        let seq = try store.latestPairEvent(workspaceID: workspace.id)

        try write("a.tsv", "one\tuno\nfour\tcuatro\n")
        let edited = try await controller.scan()
        #expect(edited.pairsAdded == 1)
        #expect(edited.pairsRetracted == 1)
        let events = try store.pairEvents(workspaceID: workspace.id, after: seq)
        #expect(events.map(\.source).sorted() == ["four", "two"])
    }

    @Test func aBadEditIsRejectedAndKeepsThePreviousPairs() async throws {
        try write("a.tsv", "one\tuno\ntwo\tdos\n")
        _ = try await controller.scan()
        try write("a.tsv", "one\tuno\nbroken line\n")
        let summary = try await controller.scan()
        #expect(summary.rejected == 1)
        let file = try #require(try store.corpusFile(workspaceID: workspace.id, path: incoming + "/a.tsv"))
        #expect(file.state == .rejected)
        #expect(file.errorLine == 2)
        #expect(try store.counts().pairs == 2) // nothing half-applied, nothing lost
        // The user's file is never touched.
        #expect(try String(contentsOfFile: incoming + "/a.tsv", encoding: .utf8) == "one\tuno\nbroken line\n")
    }

    @Test func mosesPairsWaitForTheirPartner() async throws {
        try write("bible.en", "In the beginning\nGod\n")
        var summary = try await controller.scan()
        #expect(summary.pending == 1)
        try write("bible.es", "En el principio\nDios\n")
        summary = try await controller.scan()
        #expect(summary.pairsAdded == 2)
        #expect(try store.corpusFiles(workspaceID: workspace.id, state: .pending).isEmpty)
        try write("bible.es", "En el principio\n")
        summary = try await controller.scan()
        #expect(summary.rejected == 1)
        let rejected = try store.corpusFiles(workspaceID: workspace.id, state: .rejected)
        #expect(rejected.first?.error?.contains("line counts differ") == true)
    }

    @Test func symlinksOutsideTheFolderAreRejectedAndUnknownFilesIgnored() async throws {
        let outside = root + "/secret.tsv"
        try "private\tprivado\n".write(toFile: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: incoming + "/link.tsv", withDestinationPath: outside)
        try write("notes.txt", "not a corpus")
        let summary = try await controller.scan()
        #expect(summary.rejected == 1)
        #expect(summary.ingested == 0)
        let file = try #require(try store.corpusFile(workspaceID: workspace.id, path: incoming + "/link.tsv"))
        #expect(file.error?.contains("outside the watched folder") == true)
        #expect(try store.counts().pairs == 0)
    }

    @Test func unreadableFilesAreRejected() async throws {
        try write("locked.tsv", "a\tb\n")
        chmod(incoming + "/locked.tsv", 0)
        defer { chmod(incoming + "/locked.tsv", 0o644) }
        if getuid() == 0 {
            // Root reads any file regardless of its mode; a path that cannot be read as a file still rejects.
            #expect {
                try CorpusParser().read(path: incoming) // a directory
            } throws: { error in
                (error as? CorpusParseError)?.reason == "not a regular file"
            }
            #expect {
                try CorpusParser().read(path: incoming + "/missing.tsv")
            } throws: { error in
                (error as? CorpusParseError)?.reason.hasPrefix("unreadable") == true
            }
            return
        }
        let summary = try await controller.scan()
        #expect(summary.rejected == 1)
        let file = try #require(try store.corpusFile(workspaceID: workspace.id, path: incoming + "/locked.tsv"))
        #expect(file.error?.hasPrefix("unreadable") == true)
    }
}
