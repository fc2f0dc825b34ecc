import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// Issue #14 item 4: every file of a Moses pair passes the primary's checks — a regular file inside the watched
/// folder. A partner that is a symlink to a file outside, a FIFO or `/dev/zero` is refused without reading it, and
/// the refusal never carries the outside file's content or line count.
@Suite struct MosesPartnerTests {
    let root: String
    let incoming: String
    let store: Store
    let controller: CorpusController

    init() throws {
        root = try makeTemporaryDirectory("moses-partner")
        incoming = root + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        store = try Store(directory: root)
        try store.upsertWorkspace(
            WorkspaceSpec(
                name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
                parallelDirectories: [incoming]))
        controller = CorpusController(store: store, logger: Logger(label: "test")) { _ in }
    }

    func rejection(_ name: String) throws -> String? {
        try store.corpusFiles(workspaceID: try #require(try store.workspaces().first).id, state: .rejected)
            .first { $0.path.hasSuffix("/" + name) }?.error
    }

    @Test func aPartnerLinkingOutsideTheFolderIsRefusedWithoutLeakingIt() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let secret = root + "/credentials"
        try "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n"
            .write(toFile: secret, atomically: true, encoding: .utf8)
        try "one\ntwo\n".write(toFile: incoming + "/x.en", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: incoming + "/x.es", withDestinationPath: secret)
        let summary = try await controller.scan()
        #expect(summary.pairsAdded == 0)
        #expect(try store.counts().pairs == 0)
        let reason = try #require(try rejection("x.en"))
        #expect(reason.contains("outside the watched folder"), "\(reason)")
        for leak in ["has 3", "3 line", "AKIA", "s3cr3t", "[default]", "line counts"] {
            #expect(!reason.contains(leak), "\(reason)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aFIFOPartnerIsRefusedWithoutBlocking() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "one\n".write(toFile: incoming + "/y.en", atomically: true, encoding: .utf8)
        #expect(mkfifo(incoming + "/y.es", 0o600) == 0)
        _ = try await controller.scan() // blocked forever on main
        #expect(try rejection("y.en")?.contains("FIFO") == true)
        #expect(try store.counts().pairs == 0)
    }

    @Test(.timeLimit(.minutes(1))) func aDevicePartnerIsRefusedWithoutReading() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "one\n".write(toFile: incoming + "/z.en", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: incoming + "/z.es", withDestinationPath: "/dev/zero")
        _ = try await controller.scan()
        #expect(try rejection("z.en") != nil)
        // A device linked from inside the folder (a bind-mounted /dev would look like this) is refused too.
        try FileManager.default.createDirectory(atPath: incoming + "/dev", withIntermediateDirectories: true)
        #expect(mknod(incoming + "/dev/w.es", S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0) // /dev/zero's numbers
        try "one\n".write(toFile: incoming + "/dev/w.en", atomically: true, encoding: .utf8)
        _ = try await controller.scan()
        #expect(try rejection("w.en")?.contains("character device") == true)
        #expect(try store.counts().pairs == 0)
    }
}
