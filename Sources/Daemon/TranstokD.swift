import ArgumentParser
import ControlAPI

@main
struct TranstokD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transtokd",
        abstract: "The transtok daemon: watches parallel-text folders and keeps trans-tokenized models fresh.",
        discussion: """
            Settings come from flags, then TRANSTOK_* environment variables, then the config file, then built-in
            defaults. The control API is HTTP/JSON under /v1/ on a Unix socket (try `transtok status`, or
            `curl --unix-socket SOCKET http://localhost/v1/status`).
            """,
        version: TranstokVersion.current,
        subcommands: [RunCommand.self, ConfigCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
