import ArgumentParser
import ControlAPI
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
    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        var ok: Bool
        var steps: [RemoteCheckStep]
    }

    func run() async throws {
        let client = try remote.client()
        let steps = await RemoteCheck.run(client)
        let ok = !steps.isEmpty && steps.allSatisfy(\.ok)
        let report = Report(ok: ok, steps: steps.map { RemoteCheckStep(name: $0.name, ok: $0.ok, detail: $0.detail) })
        try global.output(report) {
            steps.map { "\($0.ok ? "ok  " : "FAIL") \($0.name): \($0.detail)" }.joined(separator: "\n")
        }
        guard ok else { throw ExitCode(1) }
    }
}
