import ArgumentParser
import Sync

struct RemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Manage the daemon's sync remotes (add, list, remove) and check a remote directly (test).",
        subcommands: [RemoteAddCommand.self, RemoteListCommand.self, RemoteRemoveCommand.self, RemoteTestCommand.self])
}

struct RemoteTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check credentials and permissions: list, write a probe object, read it back, delete it.",
        discussion:
            "Runs here, with this shell's credentials (not the daemon's); `remote add` runs the same check in the daemon."
    )

    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        let client = try remote.client()
        let steps = await RemoteCheck.run(client)
        for s in steps { print("\(s.ok ? "ok  " : "FAIL") \(s.name): \(s.detail)") }
        guard !steps.isEmpty, steps.allSatisfy({ $0.ok }) else { throw ExitCode(1) }
    }
}
