import ControlAPI
import Entities
import Foundation
import Store
import Testing

/// `transtok remote add|list|remove` and `transtok workspace set-remote` against a real daemon and the loopback S3
/// server: the probe check before saving, nothing saved on failure, sync starting without a restart, no secret
/// anywhere the daemon writes or answers.
@Suite(.serialized, .enabled(if: S3Server.available, Comment(rawValue: S3Server.skipMessage)))
struct RemoteManagementTests {
    let s3: S3Server
    init() throws { s3 = try S3Server.required() }

    /// A state directory holding workspace `ws1` with one complete checkpoint on disk (no model needed), as the
    /// pipeline leaves it; returns the checkpoint directory.
    func seedState(_ stateDir: String, root: String) throws -> String {
        let checkpoint = root + "/checkpoints/000001"
        try FileManager.default.createDirectory(atPath: checkpoint, withIntermediateDirectories: true)
        try #"{"model_type": "llama", "vocab_size": 32}"#.write(
            toFile: checkpoint + "/config.json", atomically: true, encoding: .utf8)
        var bytes = [UInt8](repeating: 0, count: 300_000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint + "/weights.bin"))
        try FileManager.default.createDirectory(
            atPath: stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let store = try Store(directory: stateDir)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "ws1", sourceLanguage: "en", targetLanguage: "es", sourceModel: root + "/no-model.gguf")
        )
        try store.recordCheckpoint(
            CheckpointRecord(
                workspaceID: id, number: 1, path: checkpoint, manifestSHA256: String(repeating: "0", count: 64),
                parentNumber: nil, pairCount: 0, sizeBytes: Int64(bytes.count + 40),
                createdAt: Date().timeIntervalSince1970))
        return checkpoint
    }

    func cli(_ daemon: DaemonProcess, _ arguments: [String]) throws -> CommandResult {
        try runCommand(Binaries.cli, arguments + ["--socket", daemon.socket], timeout: 60)
    }

    func remotes(_ daemon: DaemonProcess) throws -> [RemoteStatus] {
        try daemon.client.call("GET", "/v1/remotes", as: [RemoteStatus].self).0
    }

    func waitFor(_ what: String, _ daemon: DaemonProcess, timeout: Double = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        throw DaemonTestError("timed out waiting for \(what):\n\(daemon.log.suffix(3000))")
    }

    @Test func addCheckAttachSyncAndRemoveWithoutRestart() throws {
        let root = try makeTemporaryDirectory("remotes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stateDir = root + "/state"
        let checkpoint = try seedState(stateDir, root: root)
        let prefix = "t/remotes-\(UUID().uuidString.prefix(8).lowercased())"
        let url = "s3://\(s3.bucket)/\(prefix)"
        let wrongSecret = "wrong-secret-\(UUID().uuidString)"
        let badCredentials = root + "/bad-credentials"
        try "[default]\naws_access_key_id = \(s3.accessKey)\naws_secret_access_key = \(wrongSecret)\n"
            .write(toFile: badCredentials, atomically: true, encoding: .utf8)
        chmod(badCredentials, 0o600)

        // No remote in the config: the daemon's environment holds the (test) credentials.
        let daemon = try DaemonProcess(
            label: "remotes", extraArguments: ["--state-dir", stateDir], environment: s3.environment())
        try daemon.waitUntilReady()
        #expect(try remotes(daemon).isEmpty)

        // A wrong secret: a clear error naming the remote and the cause; nothing saved; the secret never echoed.
        let badSecret = try cli(
            daemon, ["remote", "add", "bad", url, "--endpoint", s3.endpoint, "--credentials-file", badCredentials])
        #expect(badSecret.status != 0)
        #expect(badSecret.stderr.contains("remote bad failed the check"), "\(badSecret.stderr)")
        #expect(badSecret.stderr.contains("SignatureDoesNotMatch"), "\(badSecret.stderr)")
        #expect(badSecret.stderr.contains("nothing saved"))
        #expect(!(badSecret.stdout + badSecret.stderr).contains(wrongSecret))
        // A bucket that does not exist.
        let badBucket = try cli(
            daemon,
            [
                "remote", "add", "nobucket", "s3://transtok-missing-\(UUID().uuidString.prefix(8).lowercased())/x",
                "--endpoint", s3.endpoint,
            ])
        #expect(badBucket.status != 0)
        #expect(badBucket.stderr.contains("remote nobucket failed the check"), "\(badBucket.stderr)")
        #expect(badBucket.stderr.contains("NoSuchBucket"), "\(badBucket.stderr)")
        // An unreadable credentials file is refused before any request.
        let missingFile = try cli(
            daemon, ["remote", "add", "nofile", url, "--endpoint", s3.endpoint, "--credentials-file", root + "/nope"])
        #expect(missingFile.status != 0)
        #expect(missingFile.stderr.contains("remote nofile"), "\(missingFile.stderr)")
        #expect(try remotes(daemon).isEmpty)

        // The right credentials: the probe check passes and the remote is saved.
        let added = try cli(daemon, ["remote", "add", "s3test", url, "--endpoint", s3.endpoint])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("ok   delete probe"), "\(added.stdout)")
        #expect(added.stdout.contains("remote s3test added"))
        let again = try cli(daemon, ["remote", "add", "s3test", url, "--endpoint", s3.endpoint, "--no-check"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"), "\(again.stderr)")
        let listed = try remotes(daemon)
        #expect(listed.map(\.name) == ["s3test"])
        #expect(listed.first?.origin == .api)
        #expect(listed.first?.url == url)
        let listText = try cli(daemon, ["remote", "list"])
        let rows = listText.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("NAME ") == true, "\(listText.stdout)")
        #expect(rows.contains { $0.hasPrefix("s3test ") && $0.contains(url) }, "\(listText.stdout)")

        // An unknown remote is refused when creating a workspace; a known one starts syncing at once.
        try TinyModel.write(to: root + "/model")
        let unknown = try cli(
            daemon,
            [
                "workspace", "create", "ws2", "--source-language", "en", "--target-language", "es", "--model",
                root + "/model",
                "--remote", "nope",
            ])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no remote named nope"), "\(unknown.stderr)")
        let created = try cli(
            daemon,
            [
                "workspace", "create", "ws2", "--source-language", "en", "--target-language", "es", "--model",
                root + "/model",
                "--remote", "s3test",
            ])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try daemon.client.call("GET", "/v1/sync", as: SyncReply.self).0.workspaces.keys.contains("ws2"))

        // Attaching the remote to ws1, which already has a checkpoint: it reaches the bucket without a restart.
        #expect(try daemon.client.call("GET", "/v1/sync", as: SyncReply.self).0.workspaces["ws1"] == nil)
        let attached = try cli(daemon, ["workspace", "set-remote", "ws1", "s3test"])
        #expect(attached.status == 0, "\(attached.stderr)")
        try waitFor("checkpoint 000001 of ws1 to be published", daemon) {
            try daemon.client.call("GET", "/v1/sync", as: SyncReply.self).0.workspaces["ws1"]?.lastPublished == "000001"
        }
        // Independently of the daemon: pull it back from the bucket (under URL/ws1/) and compare.
        let pulled = try runCommand(
            Binaries.cli, ["pull", url + "/ws1", "000001", root + "/pulled", "--endpoint", s3.endpoint],
            environment: s3.environment(), timeout: 60)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        for name in ["config.json", "weights.bin"] {
            #expect(
                FileManager.default.contentsEqual(atPath: checkpoint + "/" + name, andPath: root + "/pulled/" + name))
        }

        // Still in use: removal refused, naming the workspaces.
        let inUse = try cli(daemon, ["remote", "remove", "s3test"])
        #expect(inUse.status != 0)
        #expect(inUse.stderr.contains("used by workspace ws1, ws2"), "\(inUse.stderr)")
        #expect(try remotes(daemon).first?.workspaces == ["ws1", "ws2"])

        // Stored remotes and attachments survive a restart.
        #expect(try daemon.terminate() == 0)
        let restarted = try DaemonProcess(
            label: "remotes2", extraArguments: ["--state-dir", stateDir], environment: s3.environment())
        try restarted.waitUntilReady()
        #expect(try remotes(restarted).map(\.name) == ["s3test"])
        let syncing = try restarted.client.call("GET", "/v1/sync", as: SyncReply.self).0.workspaces
        #expect(Set(syncing.keys) == ["ws1", "ws2"])

        // Detach both, then the remote can go.
        for workspace in ["ws1", "ws2"] {
            let detached = try cli(restarted, ["workspace", "set-remote", workspace, "--none"])
            #expect(detached.status == 0, "\(detached.stderr)")
        }
        #expect(try restarted.client.call("GET", "/v1/sync", as: SyncReply.self).0.workspaces.isEmpty)
        let removed = try cli(restarted, ["remote", "remove", "s3test"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try remotes(restarted).isEmpty)

        // No secret in what the daemon answers or logs (the right one or the wrong one).
        let status = String(decoding: try restarted.client.send(method: "GET", path: "/v1/status").body, as: UTF8.self)
        let remotesJSON = String(
            decoding: try restarted.client.send(method: "GET", path: "/v1/remotes").body, as: UTF8.self)
        let syncJSON = String(decoding: try restarted.client.send(method: "GET", path: "/v1/sync").body, as: UTF8.self)
        let listedJSON = try JSONEncoder().encode(listed)
        for text in [
            status, remotesJSON, syncJSON, String(decoding: listedJSON, as: UTF8.self), daemon.log, restarted.log,
        ] {
            #expect(!text.contains(s3.secretKey))
            #expect(!text.contains(wrongSecret))
        }
        #expect(daemon.log.contains("remote added"))
        #expect(daemon.log.contains("failed the check") || daemon.log.contains("remote check failed"))
    }

    @Test func configRemotesCoexistAndAClashIsAnError() throws {
        let root = try makeTemporaryDirectory("remotes-cfg")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let config = root + "/config.json"
        try """
        {"remotes": [{"name": "cfg", "url": "s3://\(s3.bucket)/t/cfg", "endpoint": "\(s3.endpoint)"}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            label: "remotes-cfg", extraArguments: ["--config", config, "--state-dir", root + "/state"],
            environment: s3.environment())
        try daemon.waitUntilReady()
        #expect(try remotes(daemon).map(\.origin) == [.config])
        // Same name as a config remote: refused before any check.
        let clash = try cli(daemon, ["remote", "add", "cfg", "s3://\(s3.bucket)/t/other", "--endpoint", s3.endpoint])
        #expect(clash.status != 0)
        #expect(
            clash.stderr.contains("a remote named cfg already exists (declared in the daemon's config file)"),
            "\(clash.stderr)")
        let removeConfigured = try cli(daemon, ["remote", "remove", "cfg"])
        #expect(removeConfigured.status != 0)
        #expect(removeConfigured.stderr.contains("config file"), "\(removeConfigured.stderr)")
        let invalid = try cli(daemon, ["remote", "add", "x y", "ftp://nowhere", "--no-check"])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("remote.name"), "\(invalid.stderr)")
        // A stored remote next to the config one.
        let added = try cli(
            daemon, ["remote", "add", "api1", "s3://\(s3.bucket)/t/api1", "--endpoint", s3.endpoint, "--no-check"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("not checked"))
        #expect(try remotes(daemon).map(\.name) == ["cfg", "api1"])
        #expect(try daemon.terminate() == 0)

        // The config file now declares the stored name too: the daemon refuses to start and says what to do.
        try """
        {"remotes": [{"name": "api1", "url": "s3://\(s3.bucket)/t/api1", "endpoint": "\(s3.endpoint)"}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        chmod(root, 0o700) // the socket's directory must not be open to group or others
        let refused = try runCommand(
            Binaries.daemon,
            ["--config", config, "--state-dir", root + "/state", "--socket", root + "/refused.sock"],
            environment: s3.environment())
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("remote api1 is declared in the config file and was also added"),
            "\(refused.stderr)")
    }
}

/// `GET /v1/sync`, decoded only as far as these tests look.
struct SyncReply: Decodable {
    struct Worker: Decodable {
        var lastPublished: String?
    }
    var workspaces: [String: Worker]
}
