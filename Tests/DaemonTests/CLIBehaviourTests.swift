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
        let status = try cliJSONDecoder().decode(StatusResponse.self, from: Data(before.stdout.utf8))
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

    @Test func readCommandsPrintSnakeCaseJSONAndListsHaveHeaders() throws {
        let daemon = try DaemonProcess(label: "clijson")
        try daemon.waitUntilReady()
        let model = daemon.root + "/model"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try TinyModel.write(to: model)
        let created = try runCommand(
            Binaries.cli,
            [
                "--socket", daemon.socket, "workspace", "create", "en-tt", "--source-language", "en",
                "--target-language", "tt", "--model", model, "--watch", daemon.root + "/in", "--create-dirs",
            ])
        #expect(created.status == 0, "\(created.stderr)")
        let pairs = daemon.root + "/pairs.tsv"
        try "hello\tsälam\n".write(toFile: pairs, atomically: true, encoding: .utf8)
        #expect(try runCommand(Binaries.cli, ["ingest", "--socket", daemon.socket, pairs]).status == 0)

        for verb in [
            ["status"], ["files"], ["workspace", "list"], ["checkpoints"], ["remote", "list"], ["sync", "status"],
            ["version"], ["jobs"],
        ] {
            let result = try runCommand(Binaries.cli, verb + ["--json", "--socket", daemon.socket])
            #expect(result.status == 0, "\(verb): \(result.stderr)")
            let keys = try allJSONKeys(result.stdout)
            #expect(keys.allSatisfy { $0 == $0.lowercased() }, "\(verb): camelCase keys in \(keys)")
        }
        let status = try runCommand(Binaries.cli, ["status", "--json", "--socket", daemon.socket])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let started = try #require(object["started_at"] as? String, "started_at is not a string: \(status.stdout)")
        #expect(ISO8601DateFormatter().date(from: started) != nil, "not RFC 3339: \(started)")
        #expect(object["state_directory"] as? String == daemon.stateDir)
        // The wire keeps Unix seconds (what curl shows); only the CLI's output is RFC 3339.
        let raw = try daemon.client.send(method: "GET", path: "/v1/status")
        let wire = try #require(try JSONSerialization.jsonObject(with: Data(raw.body)) as? [String: Any])
        let seconds = try #require(wire["startedAt"] as? Double, "\(wire)")
        #expect(abs(seconds - Date().timeIntervalSince1970) < 600, "startedAt \(seconds) is not Unix seconds")

        // Lists: a header row, and none with --no-headers.
        for (verb, header, first) in [
            (["workspace", "list"], "NAME ", "en-tt "), (["files"], "STATE ", "ingested "),
        ] {
            let human = try runCommand(Binaries.cli, verb + ["--socket", daemon.socket])
            #expect(human.stdout.hasPrefix(header), "\(verb): \(human.stdout)")
            let bare = try runCommand(Binaries.cli, verb + ["--no-headers", "--socket", daemon.socket])
            #expect(bare.stdout.hasPrefix(first), "\(verb) --no-headers: \(bare.stdout)")
        }
        let noJobs = try runCommand(Binaries.cli, ["jobs", "--no-headers", "--socket", daemon.socket])
        #expect(noJobs.status == 0 && noJobs.stdout.isEmpty, "\(noJobs.stdout)")
    }

    @Test func oneShotFileErrorsAreWordsWithAHint() throws {
        let root = try makeTemporaryDirectory("clifileerr")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A directory given as a tokenizer file, a missing tokenizer, a missing text file.
        for arguments in [
            ["tokenize", "--tokenizer", root, "--input", root + "/none.txt"],
            ["tokenize", "--tokenizer", root + "/missing.json"],
            ["align-eval", "--gold", root + "/gold.txt", "--hypothesis", root + "/hyp.txt"],
        ] {
            let result = try runCommand(Binaries.cli, arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("transtok: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("\nhint: "), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("Error Domain"))
        }
        let directory = try runCommand(Binaries.cli, ["tokenize", "--tokenizer", root])
        #expect(directory.stderr.contains("is a directory"), "\(directory.stderr)")
        let missing = try runCommand(Binaries.cli, ["tokenize", "--tokenizer", root + "/missing.json"])
        #expect(missing.stderr.contains("No such file or directory"), "\(missing.stderr)")
        let json = try runCommand(Binaries.cli, ["--json", "tokenize", "--tokenizer", root + "/missing.json"])
        let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(json.stderr.utf8))
        #expect(body.error.message.contains("missing.json"))
    }

    /// Man pages: `swift package plugin generate-manual` (etc/README.md) reads each tool's
    /// `--experimental-dump-help`; it must keep working through transtok's own `main`.
    @Test func manPageSourceListsEveryVerb() throws {
        for (binary, verbs) in [
            (Binaries.cli, ["status", "files", "jobs", "version", "completion", "workspace"]),
            (Binaries.daemon, ["run", "config"]),
        ] {
            let dump = try runCommand(binary, ["--experimental-dump-help"])
            #expect(dump.status == 0, "\(dump.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
            let command = try #require(object["command"] as? [String: Any])
            let names = (command["subcommands"] as? [[String: Any]] ?? []).compactMap { $0["commandName"] as? String }
            for verb in verbs { #expect(names.contains(verb), "\(binary): \(verb) missing from \(names)") }
        }
    }
}
