import ControlAPI
import Foundation
import Testing

/// What a user of docker/kubectl expects from `transtok`: global options before the verb, errors on stderr with a
/// hint (JSON only with --json), refusals before anything is changed, `version` and `completion`.
@Suite(.serialized) struct CLIBehaviourTests {
    @Test func globalOptionsGoBeforeTheVerb() throws {
        let daemon = try DaemonProcess(label: "cliglobal")
        try daemon.waitUntilReady()
        let before = try runCommand(Binaries.cli, ["--socket", daemon.socket, "--json", "status"])
        #expect(before.status == 0, "\(before.stderr)")
        let status = try JSONDecoder().decode(StatusResponse.self, from: Data(before.stdout.utf8))
        #expect(status.pid == daemon.process.processIdentifier)
        let quiet = try runCommand(Binaries.cli, ["-q", "--socket", daemon.socket, "refresh"])
        #expect(quiet.stdout.isEmpty)
    }

    @Test func errorsGoToStderrWithAHintAndAsJSONOnlyWithJSON() throws {
        let daemon = try DaemonProcess(label: "clierr")
        try daemon.waitUntilReady()
        // translate without a workspace: on main its JSON error body went to stdout.
        let translate = try runCommand(Binaries.cli, ["translate", "--socket", daemon.socket, "hello"])
        #expect(translate.status == 1)
        #expect(translate.stdout.isEmpty, "stdout: \(translate.stdout)")
        #expect(translate.stderr.hasPrefix("transtok: there is no workspace yet"), "\(translate.stderr)")
        #expect(!translate.stderr.contains("{"))

        let json = try runCommand(Binaries.cli, ["--json", "translate", "--socket", daemon.socket, "hello"])
        #expect(json.status == 1)
        #expect(json.stdout.isEmpty)
        let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(json.stderr.utf8))
        #expect(body.error.code == .invalidArgument)

        let root = try makeTemporaryDirectory("nodaemon2")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let absent = try runCommand(Binaries.cli, ["--socket", root + "/absent.sock", "status"])
        #expect(absent.status == 3)
        #expect(absent.stderr.contains(root + "/absent.sock"))
        #expect(absent.stderr.contains("\nhint: "), "\(absent.stderr)")
    }

    @Test func ingestRefusesAFileTheDaemonWouldIgnore() throws {
        let daemon = try DaemonProcess(label: "cliingest")
        try daemon.waitUntilReady()
        let watched = daemon.root + "/in"
        let model = daemon.root + "/model"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try TinyModel.write(to: model)
        let created = try runCommand(
            Binaries.cli,
            [
                "workspace", "create", "en-tt", "--socket", daemon.socket, "--source-language", "en",
                "--target-language", "tt",
                "--model", model, "--watch", watched, "--create-dirs",
            ])
        #expect(created.status == 0, "\(created.stderr)")
        let notes = daemon.root + "/notes.txt"
        try "hello\tsälam\n".write(toFile: notes, atomically: true, encoding: .utf8)
        let refused = try runCommand(Binaries.cli, ["ingest", "--socket", daemon.socket, notes])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("notes.txt") && refused.stderr.contains(".tsv"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: watched + "/notes.txt"), "the file was copied anyway")

        let missing = try runCommand(Binaries.cli, ["ingest", "--socket", daemon.socket, daemon.root + "/nope.tsv"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.tsv: No such file or directory"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("NSCocoaErrorDomain"))
        let directory = try runCommand(Binaries.cli, ["ingest", "--socket", daemon.socket, watched])
        #expect(directory.stderr.contains("is a directory"), "\(directory.stderr)")

        let pairs = daemon.root + "/pairs.tsv"
        try "hello\tsälam\nthank you\trähmät\n".write(toFile: pairs, atomically: true, encoding: .utf8)
        let ingested = try runCommand(Binaries.cli, ["ingest", "--socket", daemon.socket, pairs])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(ingested.stdout.contains("ingested") && ingested.stdout.contains("2 pairs"), "\(ingested.stdout)")
    }

    @Test func versionShowsClientDaemonAndCommit() throws {
        let daemon = try DaemonProcess(label: "cliversion")
        try daemon.waitUntilReady()
        let version = try runCommand(Binaries.cli, ["version", "--socket", daemon.socket])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(
            version.stdout.contains("client: transtok \(TranstokVersion.current) (commit \(TranstokVersion.commit))"))
        #expect(
            version.stdout.contains("daemon: transtokd \(TranstokVersion.current) (commit \(TranstokVersion.commit))"))
        let flag = try runCommand(Binaries.cli, ["--version"])
        #expect(flag.stdout.contains(TranstokVersion.commit))
    }

    @Test func completionScriptsForEachShell() throws {
        for (shell, marker) in [
            ("bash", "-F _transtok transtok"), ("zsh", "#compdef transtok"), ("fish", "complete -c 'transtok'"),
        ] {
            let script = try runCommand(Binaries.cli, ["completion", shell])
            #expect(script.status == 0)
            #expect(script.stdout.contains(marker), "\(shell): \(script.stdout.prefix(200))")
        }
        let help = try runCommand(Binaries.cli, ["--help"])
        #expect(help.stdout.contains("completion"))
        let bad = try runCommand(Binaries.cli, ["completion", "tcsh"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bash") && bad.stderr.contains("fish"))
    }
}
