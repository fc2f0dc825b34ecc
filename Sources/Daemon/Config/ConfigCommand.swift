import ArgumentParser
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the built-in defaults or the effective configuration, or check a configuration.",
        subcommands: [Default.self, Dump.self, Check.self]
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

extension ConfigCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the configuration without starting: keys, values, paths, models, tokenizers, remotes.",
            discussion: """
                Runs the checks `transtok workspace create` runs on each configured workspace (the model opens as a \
                supported architecture, the tokenizer parses, the folders are directories), checks each remote's URL \
                and credentials (no network), and that the state and socket directories can be written. Prints one \
                line per finding (FILE:LINE: error|warning: KEY: message) on stderr. Exit status 0 when there is no \
                error, 78 (EX_CONFIG, what the daemon exits with on a bad configuration) otherwise.
                """)

        @OptionGroup var options: DaemonOptions

        func run() throws {
            let result = ConfigCheck.run(
                flags: options.layer, environment: ProcessInfo.processInfo.environment, configFile: options.config)
            for finding in result.findings { FileHandle.standardError.write(Data("\(finding)\n".utf8)) }
            let errors = result.errors.count
            let source = result.configFile ?? "no config file (defaults, environment, flags)"
            if errors > 0 {
                FileHandle.standardError.write(
                    Data("transtokd: \(source): \(errors) error\(errors == 1 ? "" : "s")\n".utf8))
                throw ExitCode.configurationError
            }
            let config = result.config
            print(
                "\(source): OK (\(config?.workspaces.count ?? 0) workspaces, \(config?.remotes.count ?? 0) remotes"
                    + (result.findings.isEmpty ? ")" : ", \(result.findings.count) warnings)"))
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
