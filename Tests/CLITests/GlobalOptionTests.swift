import ArgumentParser
import ControlAPI
import Foundation
import Testing

@testable import CLI

/// `transtok` argument parsing (no daemon): global options before or after the verb, choices as enums.
@Suite struct GlobalOptionTests {
    func parse<T: ParsableCommand>(_ arguments: [String], as: T.Type) throws -> T {
        let command = try Transtok.parseAsRoot(arguments)
        return try #require(command as? T, "parsed \(type(of: command)), not \(T.self)")
    }

    @Test func socketBeforeOrAfterTheVerb() throws {
        let before = try parse(["--socket", "/s.sock", "status"], as: StatusCommand.self)
        #expect(before.global.socketPath == "/s.sock")
        let after = try parse(["status", "--socket", "/s.sock"], as: StatusCommand.self)
        #expect(after.global.socketPath == "/s.sock")
        let nested = try parse(["--socket", "/n.sock", "--json", "workspace", "list"], as: WorkspaceCommand.List.self)
        #expect(nested.global.socketPath == "/n.sock")
        #expect(nested.global.json)
        let deep = try parse(
            ["workspace", "set-remote", "w", "--none", "--socket", "/d.sock"], as: WorkspaceCommand.SetRemote.self)
        #expect(deep.global.socketPath == "/d.sock")
    }

    @Test func outputFlagsBeforeOrAfterTheVerb() throws {
        let json = try parse(["--json", "files"], as: FilesCommand.self)
        #expect(json.global.json)
        let quiet = try parse(["checkpoints", "-q"], as: CheckpointsCommand.self)
        #expect(quiet.global.quiet)
        let verbose = try parse(["-v", "sync", "status"], as: SyncCommand.Status.self)
        #expect(verbose.global.verbose)
        #expect(throws: (any Error).self) { try Transtok.parseAsRoot(["-q", "-v", "status"]) }
        // A local command that prints JSON reads the same global flag.
        let eval = try parse(["--json", "eval", "--model", "m.gguf", "--text", "t.txt"], as: EvalCommand.self)
        #expect(eval.global.json)
    }

    @Test func workspaceCreateTakesTheCheckpointDTypeAsAChoice() throws {
        let base = [
            "workspace", "create", "w", "--source-language", "en", "--target-language", "es", "--model", "m.gguf",
        ]
        let chosen = try parse(base + ["--dtype", "bf16"], as: WorkspaceCommand.Create.self)
        #expect(chosen.dtype == .bf16)
        #expect(try parse(base, as: WorkspaceCommand.Create.self).dtype == nil)
        #expect(throws: (any Error).self) { try Transtok.parseAsRoot(base + ["--dtype", "f8"]) }
    }

    @Test func workspaceCreateTakesTheTuningBudget() throws {
        let base = [
            "workspace", "create", "w", "--source-language", "en", "--target-language", "es", "--model", "m.gguf",
        ]
        let chosen = try parse(base + ["--tune-seconds-per-cycle", "90"], as: WorkspaceCommand.Create.self)
        #expect(chosen.tuneSecondsPerCycle == 90)
        #expect(try parse(base, as: WorkspaceCommand.Create.self).tuneSecondsPerCycle == nil)
        #expect(throws: (any Error).self) { try Transtok.parseAsRoot(base + ["--tune-seconds-per-cycle", "-1"]) }
    }

    @Test func timeoutIsGlobalAndChecked() throws {
        let status = try parse(["--timeout", "5", "status"], as: StatusCommand.self)
        #expect(status.global.timeout == 5)
        #expect(throws: (any Error).self) { try Transtok.parseAsRoot(["status", "--timeout", "-1"]) }
    }

    @Test func fileStateIsAChoiceListedInHelpAndErrors() throws {
        let files = try parse(["files", "--state", "pending"], as: FilesCommand.self)
        #expect(files.state == .pending)
        let message = Transtok.message(for: ParsingErrorProbe.error(["files", "--state", "lost"]))
        #expect(message.contains("ingested") && message.contains("retracted"), "\(message)")
        let help = Transtok.helpMessage(for: FilesCommand.self)
        #expect(help.contains("ingested") && help.contains("pending"), "\(help)")
    }

    @Test func choicesAreListedInHelp() {
        let transfer = Transtok.helpMessage(for: TransferCommand.self)
        #expect(transfer.contains("copy-overlap") && transfer.contains("random"), "\(transfer)")
        let train = Transtok.helpMessage(for: TrainTokenizerCommand.self)
        #expect(train.contains("byte-level-bpe"), "\(train)")
        let message = Transtok.message(for: ParsingErrorProbe.error(["completion", "tcsh"]))
        #expect(message.contains("bash") && message.contains("zsh") && message.contains("fish"), "\(message)")
    }

    @Test func lookupLimitIsCheckedAtParseTime() throws {
        #expect(throws: (any Error).self) { try Transtok.parseAsRoot(["lookup", "word", "--limit", "0"]) }
        let lookup = try parse(["lookup", "word", "--limit", "50"], as: LookupCommand.self)
        #expect(lookup.limit == 50)
    }
}

/// Captures the error `parseAsRoot` throws, for `Transtok.message(for:)`.
enum ParsingErrorProbe {
    static func error(_ arguments: [String]) -> any Error {
        do {
            _ = try Transtok.parseAsRoot(arguments)
            return CancellationError()
        } catch {
            return error
        }
    }
}

/// Without --socket or TRANSTOK_SOCKET the CLI uses the user's daemon when its socket exists, else the system
/// daemon's (#17.3: a non-root user could not reach the systemd daemon).
@Suite struct DefaultSocketTests {
    let environment = ["XDG_RUNTIME_DIR": "/run/user/1000", "HOME": "/home/u"]

    @Test func theSystemDaemonWhenTheUsersSocketIsAbsent() {
        let own = "/run/user/1000/transtok.sock"
        #expect(
            DefaultPaths.clientSocket(environment: environment, uid: 1000) { $0 == DefaultPaths.systemSocket }
                == DefaultPaths.systemSocket)
        #expect(DefaultPaths.clientSocket(environment: environment, uid: 1000) { _ in true } == own)
        #expect(DefaultPaths.clientSocket(environment: environment, uid: 1000) { _ in false } == own)
        // root's own default is the system socket.
        #expect(DefaultPaths.clientSocket(environment: environment, uid: 0) { _ in false } == DefaultPaths.systemSocket)
    }

    @Test func theEnvironmentWins() {
        var environment = environment
        environment["TRANSTOK_SOCKET"] = "/x.sock"
        #expect(DefaultPaths.clientSocket(environment: environment) { _ in true } == "/x.sock")
    }

    @Test func theNotRunningHintNamesBothSockets() {
        let hint = CLIError.startHint(socket: "/run/user/1000/transtok.sock", explicitSocket: false)
        #expect(hint.contains("/run/user/1000/transtok.sock") && hint.contains(DefaultPaths.systemSocket), "\(hint)")
        #expect(hint.contains("systemctl start transtokd"))
    }
}
