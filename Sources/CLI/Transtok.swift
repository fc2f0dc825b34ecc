import ArgumentParser
import ControlAPI

@main
struct Transtok: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transtok",
        abstract: "Adapt a language model to a new language by trans-tokenization, and talk to transtokd.",
        version: "\(TranstokVersion.current) (commit \(TranstokVersion.commit)); `transtok version` also shows the daemon's",
        subcommands: [
            StatusCommand.self,
            WorkspaceCommand.self,
            FilesCommand.self,
            IngestCommand.self,
            RefreshCommand.self,
            CheckpointsCommand.self,
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
}
