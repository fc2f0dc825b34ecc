import ArgumentParser
import Sync

struct RemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote", abstract: "Check remotes.", subcommands: [RemoteTestCommand.self])
}

struct RemoteTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check credentials and permissions: list, write a probe object, read it back, delete it.")

    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        let client = try remote.client()
        let steps = await RemoteCheck.run(client)
        for s in steps { print("\(s.ok ? "ok  " : "FAIL") \(s.name): \(s.detail)") }
        guard !steps.isEmpty, steps.allSatisfy({ $0.ok }) else { throw ExitCode(1) }
    }
}
