import ArgumentParser
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the built-in defaults or the effective configuration.",
        subcommands: [Default.self, Dump.self]
    )

    struct Default: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the built-in defaults as a config file (for this user and environment).")

        func run() throws {
            try printJSON(DaemonConfig.defaults())
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration: defaults < config file < environment < flags.")

        @OptionGroup var options: DaemonOptions

        func run() throws {
            let (config, _) = try ConfigResolver.resolve(
                flags: options.layer, environment: ProcessInfo.processInfo.environment, configFile: options.config)
            try printJSON(config)
        }
    }
}

/// Config output: stable key order, no escaped slashes. It never contains secrets (the config has none).
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = ConfigKeys.encoding
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
