import ArgumentParser
import ControlAPI
import Foundation
import Systems

/// How a failure that a command's `run()` did not report itself reaches the user: one line on stderr naming the
/// file and what is wrong in words, a `hint:` pointing at the verb's help, JSON only with `--json`. Foundation's
/// own texts (`Error Domain=NSCocoaErrorDomain Code=260 …`) never get through (`FileErrorText`).
enum ErrorPresentation {
    /// The verb being run (`workspace create`), set once by `Transtok.main` before `run()`; hints point at its help.
    nonisolated(unsafe) static var verb = ""

    /// "see `transtok workspace create --help`", or the top-level help before a verb is known.
    static var helpHint: String { "see `transtok \(verb.isEmpty ? "" : verb + " ")--help`" }

    static func cliError(_ error: any Error, command: ParsableCommand.Type) -> CLIError {
        let hint = "see `transtok \(LateValidation.commandPath(command)) --help`"
        if var error = error as? CLIError {
            if error.hint == nil { error.hint = hint }
            return error
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
            let file = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
            let reason = FileErrorText.reason(error, path: file)
            let missing = reason == FileErrorText.errnoText(ENOENT)
            return CLIError(
                code: missing ? .notFound : .invalidArgument, message: file.map { "\($0): \(reason)" } ?? reason,
                hint: hint)
        }
        return CLIError(code: .invalidArgument, message: FileErrorText.reason(error), hint: hint)
    }

    /// An error argument-parser raises or interprets itself (`ExitCode`, `CleanExit`, the `help` verb's internal
    /// request to print help): passed to its `exit(withError:)`, never reworded.
    static func isArgumentParsers(_ error: any Error) -> Bool {
        error is ExitCode || error is CleanExit || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }

    /// The global options `command` was parsed with (`--json`, `-q`), or the defaults for a command without them.
    static func globalOptions(of command: ParsableCommand) -> GlobalOptions? {
        for child in Mirror(reflecting: command).children {
            if let group = child.value as? OptionGroup<GlobalOptions> { return group.wrappedValue }
        }
        return try? GlobalOptions.parse([])
    }

    /// Reports `error` thrown by `command`'s `run()` and exits with its status.
    static func exit(_ error: any Error, command: ParsableCommand) -> Never {
        let report = cliError(error, command: type(of: command))
        if let global = globalOptions(of: command) {
            Foundation.exit(global.report(report).rawValue)
        }
        printError("transtok: " + report.message + (report.hint.map { "\nhint: " + $0 } ?? ""))
        Foundation.exit(report.exitCode)
    }
}
