import ControlAPI
import Entities
import Foundation
import HummingbirdTesting
import Logging
import Store
import Sync
import Testing

@testable import Daemon

/// A per-remote setting end to end (`part_integrity`): the config file's key and the API's field become the one
/// `RemoteSpec`, the store keeps it, and the S3 client the daemon builds for the remote uses it.
@Suite struct RemoteSettingTests {
    /// A 0600 shared-credentials file, so the daemon can build a client (no request is sent).
    func credentials(in root: String) throws -> String {
        let path = root + "/credentials"
        try "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    func integrity(of remote: RemoteSpec) throws -> PartIntegrity {
        let client = try remote.makeClient(workspace: "w", logger: Logger(label: "test"))
        return CheckpointSync(client: client, journal: nil).integrity
    }

    @Test func configFileToSyncClient() throws {
        let root = try makeTemporaryDirectory("partintegrity-config")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/transtokd.json"
        try """
        {"remotes": [
          {"name": "sha", "url": "s3://b/p", "endpoint": "http://127.0.0.1:9", "addressing": "virtual-hosted",
           "credentials_file": "\(try credentials(in: root))", "part_integrity": "checksumSHA256"},
          {"name": "plain", "url": "s3://b/q", "endpoint": "http://127.0.0.1:9", "credentials_file": "\(root)/credentials"}
        ]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let (config, _) = try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file)
        let sha = try #require(config.remotes.first { $0.name == "sha" })
        #expect(sha.partIntegrity == .checksumSHA256 && sha.addressing == .virtualHosted)
        #expect(sha.credentialsFile == root + "/credentials")
        #expect(try integrity(of: sha) == .checksumSHA256)
        #expect(try sha.location().addressing == .virtualHosted)
        let plain = try #require(config.remotes.first { $0.name == "plain" })
        #expect(try integrity(of: plain) == .contentMD5)

        // `config dump` writes the config file's key names back.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = ConfigKeys.encoding
        let dumped = String(decoding: try encoder.encode(config), as: UTF8.self)
        #expect(
            dumped.contains("\"part_integrity\":\"checksumSHA256\"") && dumped.contains("\"credentials_file\""),
            "\(dumped)")
        #expect(!dumped.contains("partIntegrity") && !dumped.contains("credentialsFile"), "\(dumped)")
    }

    @Test func badValuesAndUnknownKeysNameTheKey() throws {
        let root = try makeTemporaryDirectory("partintegrity-bad")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (body, expected) in [
            (#"{"name": "r", "url": "s3://b", "part_integrity": "crc32"}"#, "remotes[0].part_integrity"),
            (#"{"name": "r", "url": "s3://b", "addressing": "sideways"}"#, "remotes[0].addressing"),
            (#"{"name": "r", "url": "s3://b", "partIntegrity": "contentMD5"}"#, "remotes[0].partIntegrity"),
            (#"{"url": "s3://b"}"#, "remotes[0].name"),
        ] {
            let file = root + "/c.json"
            try #"{"remotes": [\#(body)]}"#.write(toFile: file, atomically: true, encoding: .utf8)
            do {
                _ = try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file)
                Issue.record("accepted \(body)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// What `transtok remote add --part-integrity checksumSHA256` sends (see CLITests.RemoteOptionTests) is stored,
    /// listed, and used by the client the daemon builds from the stored remote.
    @Test func apiToStoreToSyncClient() async throws {
        let daemon = try InProcessDaemon(label: "partintegrity-api")
        defer { daemon.removeFiles() }
        let credentials = try credentials(in: daemon.root)
        let request = RemoteRequest(
            RemoteSpec(
                name: "sha", url: "s3://b/p", endpoint: "http://127.0.0.1:9", addressing: .virtualHosted,
                credentialsFile: credentials, partIntegrity: .checksumSHA256),
            check: false)
        try await daemon.test { client in
            let added = try await client.call(ControlEndpoints.AddRemote.self, .init(), query: .init(), body: request)
            #expect(added.remote.remote == request.remote && added.remote.origin == .api)
            let listed = try await client.call(
                ControlEndpoints.ListRemotes.self, .init(), query: .init(), body: .init())
            #expect(listed.map(\.partIntegrity) == [.checksumSHA256])
        }
        let stored = try daemon.services.store.remotes()
        #expect(stored == [request.remote])
        #expect(try integrity(of: try #require(stored.first)) == .checksumSHA256)
    }
}
