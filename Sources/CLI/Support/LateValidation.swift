import ArgumentParser
import Foundation

/// A `ValidationError` thrown by a command's `run()` (a choice that can only be checked once files are read) is
/// reported with that command's usage and `--help` pointer, not the top-level usage argument-parser would print.
enum LateValidation {
    /// Exit status of a usage error (argument-parser's, sysexits EX_USAGE).
    static let exitCode: Int32 = 64

    /// The text printed for `error` thrown by `command`'s `run()`.
    static func message(_ error: ValidationError, command: ParsableCommand.Type) -> String {
        let path = commandPath(command)
        return "Error: \(error.message)\nUsage: " + Transtok.usageString(for: command)
            + "\n  See 'transtok \(path) --help' for the options and their allowed values."
    }

    /// `workspace create` for `WorkspaceCommand.Create`: the names from the root down to `command`.
    static func commandPath(_ command: ParsableCommand.Type) -> String {
        func find(_ node: ParsableCommand.Type, _ trail: [String]) -> [String]? {
            if node == command { return trail }
            for child in node.configuration.subcommands {
                let name = child.configuration.commandName ?? String(describing: child).lowercased()
                if let found = find(child, trail + [name]) { return found }
            }
            return nil
        }
        return (find(Transtok.self, []) ?? [command.configuration.commandName ?? ""]).joined(separator: " ")
    }
}
