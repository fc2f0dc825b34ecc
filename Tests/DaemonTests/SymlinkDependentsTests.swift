import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Found by the soak (#14): a symlink inside the watched folder reads its target's content, but the event of an
/// edit names only the target, so the symlink kept the pairs of the target's old version.
@Suite struct SymlinkDependentsTests {
    @Test func anEditOfTheTargetIsAppliedToTheSymlinksThatLeadToIt() async throws {
        let root = try makeTemporaryDirectory("symlink-dependents")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let incoming = root + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming + "/sub", withIntermediateDirectories: true)
        let store = try Store(directory: root)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(
                name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
                parallelDirectories: [incoming]))
        let controller = CorpusController(store: store, logger: Logger(label: "test")) { _ in }
        let target = incoming + "/a.tsv"
        try "one\tuno\ntwo\tdos\n".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: incoming + "/link.tsv", withDestinationPath: "a.tsv")
        try FileManager.default.createSymbolicLink(
            atPath: incoming + "/sub/deep.tsv", withDestinationPath: "../link.tsv")
        _ = try await controller.scan()
        func files() throws -> [String: Int] {
            Dictionary(
                uniqueKeysWithValues: try store.corpusFiles(workspaceID: id).filter { $0.state == .ingested }.map {
                    (($0.path as NSString).lastPathComponent, $0.pairCount)
                })
        }
        #expect(try files() == ["a.tsv": 2, "link.tsv": 2, "deep.tsv": 2])

        // The target is rewritten (a rename over it, as editors do); the event names only the target.
        try "three\ttres\n".write(toFile: target, atomically: true, encoding: .utf8)
        _ = try await controller.process(paths: [target])
        #expect(try files() == ["a.tsv": 1, "link.tsv": 1, "deep.tsv": 1])
        #expect(try store.activePairs(workspaceID: id).map(\.source) == ["three"], "pairs of the old version stayed")

        // The target is deleted: the links now dangle and their pairs go with it.
        try FileManager.default.removeItem(atPath: target)
        _ = try await controller.process(paths: [target])
        let after = try store.corpusFiles(workspaceID: id).map { "\($0.path) \($0.state) \($0.error ?? "")" }
        #expect(try files().isEmpty, "\(after)")
        #expect(try store.activePairs(workspaceID: id).isEmpty)
    }
}
