import ControlAPI
import Foundation
import Testing

/// Issue #14 item 6, on a real `transtokd` whose state directory is a small tmpfs this test mounts (root; under CI
/// this must run, so a missing privilege fails instead of skipping): a cycle that hits ENOSPC fails cleanly and
/// leaves no temporary checkpoint or state file, the daemon keeps answering, and once space returns the next cycle
/// publishes.
@Suite(.serialized)
struct DiskFullTests {
    static var canMount: Bool { geteuid() == 0 }

    @Test func aFullDiskFailsTheCycleCleanlyAndTheNextOneSucceeds() throws {
        guard Self.canMount else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("the tmpfs test needs root under CI") }
            return
        }
        let root = try makeTemporaryDirectory("diskfull")
        let stateDir = root + "/state"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        let mount = try runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", stateDir])
        guard mount.status == 0 else { throw DaemonTestError("cannot mount a tmpfs: \(mount.stderr)") }
        defer {
            _ = try? runCommand("/bin/umount", ["-l", stateDir])
            try? FileManager.default.removeItem(atPath: root)
        }
        let files = try TinyWorkspaceFiles(root: root, pairs: 400)
        let config = files.config
        func drop(_ name: String, _ range: Range<Int>) throws { try files.drop(name, range) }
        try drop("a.tsv", 0..<200)
        let daemon = try DaemonProcess(
            label: "diskfull", extraArguments: ["--config", config, "--state-dir", stateDir])
        try daemon.waitUntilReady()
        func status() throws -> StatusResponse {
            try daemon.client.call("GET", "/v1/status", as: StatusResponse.self).0
        }
        func waitFor(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if try condition() { return }
                usleep(100_000)
            }
            throw DaemonTestError("timed out waiting for \(what):\n\(daemon.log.suffix(3000))")
        }
        try waitFor("the first checkpoint") { try status().counts.checkpoints == 1 }

        // Fill the disk, leaving room for ingestion's few SQLite pages but not for a cycle's state and rows.
        let filler = stateDir + "/filler"
        var info = statvfs()
        #expect(statvfs(stateDir, &info) == 0)
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let fill = try runCommand("/usr/bin/fallocate", ["-l", "\(max(0, free - 512 * 1024))", filler])
        #expect(fill.status == 0, "\(fill.stderr)")
        let failuresBefore = daemon.log.components(separatedBy: "refresh failed").count
        try drop("b.tsv", 200..<300)
        try waitFor("a failed cycle") { daemon.log.components(separatedBy: "refresh failed").count > failuresBefore }
        #expect(daemon.log.contains("No space left on device"), "\(daemon.log.suffix(2000))")

        // Clean failure: no unfinished checkpoint or state file, the old checkpoint intact, queries answered.
        // (A rows shard finished before the disk filled is kept for the retry, under `.kept-shards`.)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: stateDir + "/checkpoints/ws")
        #expect(checkpoints.filter { $0 != ".kept-shards" } == ["000001"], "\(checkpoints)")
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: stateDir + "/alignment-state")
        #expect(!stateFiles.contains { $0.hasPrefix(".") }, "\(stateFiles)")
        #expect(try status().counts.checkpoints == 1)
        let lookup = try daemon.client.send(method: "GET", path: "/v1/lookup?word=God&workspace=ws")
        #expect(lookup.status == 200, "\(String(decoding: lookup.body, as: UTF8.self))")

        // Space returns: the next cycle (asked for, instead of waiting a minute for the retry) publishes.
        try FileManager.default.removeItem(atPath: filler)
        _ = try daemon.client.call(
            "POST", "/v1/refresh", body: RefreshRequest(workspace: "ws"), as: RefreshRequest.self)
        try waitFor("the checkpoint after space returned") {
            try daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0.first?.number ?? 0 >= 2
        }
        #expect(try daemon.client.call("GET", "/v1/checkpoints", as: [CheckpointStatus].self).0.first?.pairs == 300)
        // No leftovers once it published: no unfinished checkpoint, no kept shard.
        // (Retention removes checkpoint 1, renamed aside and then deleted, just after checkpoint 2 is recorded.)
        var settled: [String] = []
        try? waitFor("the checkpoint directory to settle") {
            settled = try FileManager.default.contentsOfDirectory(atPath: stateDir + "/checkpoints/ws")
            return settled.allSatisfy { Int($0) != nil }
        }
        #expect(settled.allSatisfy { Int($0) != nil }, "\(settled)")
        #expect(try daemon.terminate() == 0)
    }
}
