import ArgumentParser
import Testing

@testable import CLI

/// #17.6: a wrong value names what is allowed, next to the verb's usage (not the top-level one), and `--help`
/// lists the choices.
@Suite struct ChoiceErrorTests {
    @Test func convertRefusesANonGGUFModelWhileParsingAndSaysWhatIsAllowed() throws {
        let error = ParsingErrorProbe.error(["convert", "--model", "in.txt", "--output", "out"])
        #expect(!(error is CancellationError), "in.txt was accepted")
        let text = Transtok.fullMessage(for: error)
        #expect(text.contains("in.txt") && text.contains(".gguf") && text.contains("llama"), "\(text)")
        #expect(text.contains("transtok convert"), "not the verb's usage: \(text)")
        let accepted = try Transtok.parseAsRoot(["convert", "--model", "m.GGUF", "--output", "out"])
        #expect((accepted as? ConvertCommand)?.model == "m.GGUF")
    }

    @Test func helpListsTheChoices() {
        let convert = Transtok.helpMessage(for: ConvertCommand.self)
        #expect(convert.contains("bf16") && convert.contains("f16") && convert.contains(".gguf"), "\(convert)")
        let transfer = Transtok.helpMessage(for: TransferCommand.self)
        #expect(transfer.contains("copy-overlap") && transfer.contains("fastalign"), "\(transfer)")
    }

    @Test func aChoiceCheckedInRunNamesTheVerbNotTheTopLevelUsage() {
        let text = LateValidation.message(
            ValidationError("--hydra needs a decoder"), command: TransferCommand.self)
        #expect(text.hasPrefix("Error: --hydra needs a decoder\n"))
        #expect(text.contains("Usage: transtok transfer"), "\(text)")
        #expect(!text.contains("SUBCOMMANDS") && !text.contains("transtok <subcommand>"), "\(text)")
        #expect(text.contains("transtok transfer --help"))
        #expect(LateValidation.commandPath(WorkspaceCommand.Create.self) == "workspace create")
    }
}
