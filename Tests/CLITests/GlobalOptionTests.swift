import ArgumentParser
import ControlAPI
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
        let deep = try parse(["workspace", "set-remote", "w", "--none", "--socket", "/d.sock"], as: WorkspaceCommand.SetRemote.self)
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
