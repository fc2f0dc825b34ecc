import ArgumentParser
import ControlAPI
import Foundation

@main
struct Transtok: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transtok",
        abstract: "Adapt a language model to a new language by trans-tokenization, and talk to transtokd.",
        version:
            "\(TranstokVersion.current) (commit \(TranstokVersion.commit)); `transtok version` also shows the daemon's",
        subcommands: [
            StatusCommand.self,
            WorkspaceCommand.self,
            FilesCommand.self,
            IngestCommand.self,
            RefreshCommand.self,
            CheckpointsCommand.self,
            JobsCommand.self,
            LookupCommand.self,
            SyncCommand.self,
            TranslateCommand.self,
            AlignCommand.self,
            AlignEvalCommand.self,
            ConvertCommand.self,
            PullCommand.self,
            RemoteCommand.self,
            TokenizeCommand.self,
            TransferCommand.self,
            MappingCommand.self,
            GenerateCommand.self,
            EvalCommand.self,
            TrainTokenizerCommand.self,
            VersionCommand.self,
            CompletionCommand.self,
        ]
    )

    /// Accepted before the verb as well as after it (see `GlobalOptions`).
    @OptionGroup var global: GlobalOptions

    /// argument-parser's `main`, except that a `ValidationError` thrown by `run()` names the verb's usage
    /// (`LateValidation`) instead of the top-level one, and any other failure is reported in words with a hint
    /// (`ErrorPresentation`), as JSON on stderr with `--json`.
    static func main() async {
        let parsed: ParsableCommand
        do { parsed = try await asyncParseAsRoot(nil) } catch { exit(withError: error) }
        var command = parsed
        ErrorPresentation.verb = LateValidation.commandPath(type(of: parsed))
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            printError(LateValidation.message(error, command: type(of: parsed)))
            Foundation.exit(LateValidation.exitCode)
        } catch  where ErrorPresentation.isArgumentParsers(error) {
            exit(withError: error) // --help, --version, exit codes: argument-parser's own
        } catch {
            ErrorPresentation.exit(error, command: parsed)
        }
    }
}
