import ArgumentParser

@main
struct Transtok: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transtok",
        abstract: "Adapt a language model to a new language by trans-tokenization, and talk to transtokd.",
        subcommands: [
            StatusCommand.self,
            TokenizeCommand.self,
            TrainTokenizerCommand.self,
        ]
    )
}
