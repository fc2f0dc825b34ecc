import Foundation
import Hashing
import SyncStore
import Systems
import Testing

@testable import Sync

/// The uploader runs in a real child process (`transtok-bench sync-upload-once`, built with the tests) that is
/// SIGKILLed in the middle of a part; a fresh uploader then resumes from the journal it left.
enum UploaderBinary {
    static let path: String? = {
        let dir = (CommandLine.arguments.first.map { ($0 as NSString).deletingLastPathComponent }) ?? ""
        for candidate in [dir, (dir as NSString).deletingLastPathComponent] {
            let p = candidate + "/transtok-bench"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        let cwd = FileManager.default.currentDirectoryPath + "/.build/debug/transtok-bench"
        return FileManager.default.isExecutableFile(atPath: cwd) ? cwd : nil
    }()
}

@Suite(
    .enabled(
        if: S3TestEnv.available && S3TestEnv.runs(needing: UploaderBinary.path != nil),
        Comment(rawValue: S3TestEnv.skipMessage + " (and the transtok-bench binary from swift build --build-tests)")))
struct KillResumeTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    @Test func killedUploaderResumesWithoutResendingFinishedParts() async throws {
        let tmp = TempDir()
        let part: Int64 = 5 << 20
        let bytes = testBytes(Int(4 * part) + 4321, seed: 77) // 5 parts
        let path = tmp.write("ckpt.bin", bytes)
        let journalPath = tmp.path + "/journal.sqlite"
        let remote = env.remote("kill")
        let key = remote.key("ckpt.bin")
        let journal = try GRDBSyncJournal.open(path: journalPath)

        let child = Process()
        child.executableURL = URL(fileURLWithPath: try #require(UploaderBinary.path))
        child.arguments = [
            "sync-upload-once", "--file", path, "--key", key, "--journal", journalPath,
            "--part-mib", "5", "--concurrency", "1", "--max-send-kib-per-sec", "4096",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["TRANSTOK_S3_TEST_ENDPOINT"] = env.endpoint
        environment["TRANSTOK_S3_TEST_ACCESS_KEY"] = env.accessKey
        environment["TRANSTOK_S3_TEST_SECRET_KEY"] = env.secretKey
        environment["TRANSTOK_S3_TEST_BUCKET"] = env.bucket
        environment["TRANSTOK_S3_TEST_REGION"] = env.region
        child.environment = environment
        child.standardOutput = FileHandle.nullDevice
        try child.run()

        // Wait until two parts are journaled, then kill while the third is on the wire (4 MiB/s ≈ 1.25 s per part).
        let remoteID = MultipartUploader(client: env.client(remote), journal: nil).remoteID
        // Poll on a dedicated thread: the cooperative pool may be busy with other tests' blocking calls.
        let pid = child.processIdentifier
        let killedWhileRunning = try await Blocking.run { () throws(SyncError) -> Bool in
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if kill(pid, 0) != 0 { return false }
                if let n = try? journal.upload(remote: remoteID, key: key)?.parts.count, n >= 2 {
                    Thread.sleep(forTimeInterval: 0.15)
                    return kill(pid, SIGKILL) == 0
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return false
        }
        try #require(killedWhileRunning, "the uploader finished or died before it could be killed")
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        let before = try #require(try journal.upload(remote: remoteID, key: key))
        #expect(before.parts.count >= 2 && before.parts.count < 5, "journaled \(before.parts.keys.sorted())")
        #expect(try env.client(remote).headObject(key: key) == nil)

        let log = EventLog()
        let up = MultipartUploader(
            client: env.client(remote, observer: log.observer), journal: journal,
            partSizeMinimum: part, concurrency: 2)
        _ = try up.upload(
            file: OpenFile(path: path), length: Int64(bytes.count), sha256Hex: Digest.sha256Hex(bytes),
            key: key)
        let resent = Set(log.all.filter { $0.operation == "UploadPart" }.compactMap(\.partNumber))
        #expect(resent.isDisjoint(with: before.parts.keys), "re-sent \(resent.sorted())")
        #expect(resent.count <= 5 - before.parts.count)
        #expect(log.count("CreateMultipartUpload") == 0)
        #expect(try env.client(remote).getObject(key: key) == bytes)
    }
}
