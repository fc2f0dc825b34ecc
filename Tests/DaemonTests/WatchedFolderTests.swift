import ControlAPI
import Entities
import Foundation
import Testing

/// End to end with a real daemon: files dropped into a watched folder are ingested, bad ones rejected with their
/// reason, and kill -9 in the middle of ingestion loses or duplicates nothing.
@Suite(.serialized) struct WatchedFolderTests {
    func createWorkspace(_ daemon: DaemonProcess, folder: String) throws {
        try TinyModel.write(to: daemon.root + "/model")
        let request = WorkspaceRequest(
            WorkspaceSpec(
                name: "demo", sourceLanguage: "en", targetLanguage: "es", sourceModel: daemon.root + "/model",
                parallelDirectories: [folder]), createDirectories: true)
        _ = try daemon.client.call("POST", "/v1/workspaces", body: request, as: WorkspaceStatus.self)
    }

    func waitFor(_ what: String, timeout: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        throw DaemonTestError("timed out waiting for \(what)")
    }

    func counts(_ daemon: DaemonProcess) throws -> CountsStatus {
        try daemon.client.call("GET", "/v1/status", as: StatusResponse.self).0.counts
    }

    @Test func droppedFilesAreIngestedAndBadOnesRejected() throws {
        let daemon = try DaemonProcess(label: "watch", environment: ["TRANSTOK_DEBOUNCE_SECONDS": "0.2"])
        try daemon.waitUntilReady()
        let folder = daemon.root + "/incoming"
        try createWorkspace(daemon, folder: folder)
        // Written elsewhere and renamed in (IN_MOVED_TO), and written in place (IN_CLOSE_WRITE), in a new subfolder.
        try "one\tuno\ntwo\tdos\n".write(toFile: daemon.root + "/staging.tsv", atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: daemon.root + "/staging.tsv", toPath: folder + "/a.tsv")
        try FileManager.default.createDirectory(atPath: folder + "/batch2", withIntermediateDirectories: true)
        try #"{"src": "three", "tgt": "tres"}"#.write(
            toFile: folder + "/batch2/b.jsonl", atomically: false, encoding: .utf8)
        try "fine\tbien\nno tab here\n".write(toFile: folder + "/bad.tsv", atomically: false, encoding: .utf8)
        try waitFor("3 pairs and a rejected file") {
            let c = try counts(daemon)
            return c.pairs == 3 && c.filesRejected == 1
        }
        let rejected = try runCommand(Binaries.cli, ["files", "--rejected", "--socket", daemon.socket])
        #expect(rejected.stdout.contains("bad.tsv"))
        #expect(rejected.stdout.contains("line 2: expected 2 tab-separated fields"))
        let status = try runCommand(Binaries.cli, ["status", "--socket", daemon.socket])
        #expect(status.stdout.contains("1 rejected"))

        // Prometheus metrics from the same store.
        let metrics = try daemon.client.send(method: "GET", path: "/v1/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.status == 200)
        #expect(text.contains("# TYPE transtok_pairs gauge"))
        #expect(text.contains("transtok_pairs{workspace=\"demo\"} 3"))
        #expect(text.contains("transtok_files{state=\"rejected\",workspace=\"demo\"} 1"))

        // Deleting a file retracts its pairs.
        try FileManager.default.removeItem(atPath: folder + "/a.tsv")
        try waitFor("retraction") { try counts(daemon).pairs == 1 }
    }

    @Test func killMinusNineDuringIngestionLosesAndDuplicatesNothing() throws {
        // 20 files × 400 distinct pairs, with 100 pairs shared between neighbouring files.
        let root = try makeTemporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/incoming"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var expected = Set<String>()
        for file in 0..<20 {
            var lines: [String] = []
            for i in (file * 300)..<(file * 300 + 400) {
                lines.append("source sentence \(i)\tfrase \(i)")
                expected.insert("source sentence \(i)")
            }
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: folder + "/part\(file).tsv", atomically: true, encoding: .utf8)
        }
        let config = root + "/config.json"
        try """
        {"workspaces": [{"name": "crash", "source_language": "en", "target_language": "es",
          "source_model": "/m", "parallel_dirs": ["\(folder)"]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let stateDir = root + "/state"
        for round in 0..<4 {
            // Start, let it ingest for a varying moment, then kill -9 (no graceful shutdown at all).
            let daemon = try DaemonProcess(
                label: "crash\(round)", extraArguments: ["--config", config, "--state-dir", stateDir])
            usleep(UInt32(150_000 + round * 200_000))
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
        }
        let final = try DaemonProcess(
            label: "crashfinal", extraArguments: ["--config", config, "--state-dir", stateDir])
        try final.waitUntilReady()
        try waitFor("all files ingested", timeout: 60) { try counts(final).filesIngested == 20 }
        let c = try counts(final)
        #expect(c.pairs == expected.count)
        #expect(c.pairsRetracted == 0)
        #expect(c.jobsRunning == 0)
        // Exactly one add event per pair: nothing was counted twice across the crashes.
        let sqlite = try runCommand(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import sqlite3,sys
                db=sqlite3.connect(sys.argv[1])
                print(db.execute("select count(*), count(distinct pair_id) from pair_event where kind='add'").fetchone())
                print(db.execute("select count(*) from sentence_pair").fetchone()[0])
                """, stateDir + "/transtok.sqlite",
            ])
        #expect(sqlite.stdout.contains("(\(expected.count), \(expected.count))"), "\(sqlite.stdout) \(sqlite.stderr)")
    }
}
