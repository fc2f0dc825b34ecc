import ControlAPI
import Foundation
import Testing

/// The `transtok` CLI against a real daemon process, and without one.
@Suite(.serialized) struct CLITests {
    @Test func statusTalksToTheDaemon() throws {
        let daemon = try DaemonProcess(label: "cli")
        try daemon.waitUntilReady()
        let human = try runCommand(Binaries.cli, ["status", "--socket", daemon.socket])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("transtokd \(TranstokVersion.current)"))
        #expect(human.stdout.contains(daemon.stateDir))

        let json = try runCommand(Binaries.cli, ["status", "--json", "--socket", daemon.socket])
        #expect(json.status == 0)
        let status = try cliJSONDecoder().decode(StatusResponse.self, from: Data(json.stdout.utf8))
        #expect(status.pid == daemon.process.processIdentifier)

        // The socket can also come from the environment.
        var environment = ProcessInfo.processInfo.environment
        environment["TRANSTOK_SOCKET"] = daemon.socket
        #expect(try runCommand(Binaries.cli, ["status"], environment: environment).status == 0)
    }

    @Test func withoutADaemonStatusExitsThreeWithAHint() throws {
        let root = try makeTemporaryDirectory("nodaemon")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try runCommand(Binaries.cli, ["status", "--socket", root + "/absent.sock"])
        #expect(result.status == 3)
        #expect(result.stderr.contains(root + "/absent.sock"))
        #expect(result.stderr.contains("transtokd"))
        #expect(result.stdout.isEmpty)
    }

    @Test func workspaceCreateAndListRoundTrip() throws {
        let daemon = try DaemonProcess(label: "cliws")
        try daemon.waitUntilReady()
        try TinyModel.write(to: daemon.root + "/model")
        let created = try runCommand(
            Binaries.cli,
            [
                "workspace", "create", "en-tt", "--socket", daemon.socket, "--source-language", "en",
                "--target-language", "tt",
                "--model", daemon.root + "/model", "--watch", daemon.root + "/in", "--create-dirs",
            ])
        #expect(created.status == 0, "\(created.stderr)")
        let listed = try runCommand(Binaries.cli, ["workspace", "list", "--socket", daemon.socket])
        #expect(listed.stdout.contains("en-tt"))
        let bad = try runCommand(
            Binaries.cli,
            [
                "workspace", "create", "bad name", "--socket", daemon.socket, "--source-language", "en",
                "--target-language", "tt",
                "--model", "/m",
            ])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("invalid_argument"))
    }

    @Test func daemonConfigCommandsPrintJSON() throws {
        let defaults = try runCommand(Binaries.daemon, ["config", "default"])
        #expect(defaults.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(defaults.stdout.utf8)) as? [String: Any]
        #expect(object?["socket"] != nil)
        var environment = ProcessInfo.processInfo.environment
        environment["TRANSTOK_LOG_LEVEL"] = "warning"
        let dump = try runCommand(Binaries.daemon, ["config", "dump", "--blas-threads", "2"], environment: environment)
        #expect(dump.status == 0)
        let effective = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
        #expect(effective?["log_level"] as? String == "warning")
        #expect(effective?["blas_threads"] as? Int == 2)
    }
}
