import Engine
import Testing

@testable import CLI

/// `align` and `transfer` name their parallel text the same way: two line-parallel files, or one `--input` whose
/// format is `--format`'s, else the one its name implies, else fast_align's.
@Suite struct CorpusInputOptionTests {
    @Test func alignPicksTheFormatOfItsInput() throws {
        func input(_ arguments: [String]) throws -> ParallelTextInput? {
            try (Transtok.parseAsRoot(["align"] + arguments) as? AlignCommand)?.parallelText.parallelInput
        }
        #expect(try input(["--input", "bitext.txt"]) == .file(path: "bitext.txt", format: .fastAlign))
        #expect(try input(["--input", "c.tsv.gz"]) == .file(path: "c.tsv.gz", format: .tsv))
        #expect(try input(["--input", "c.txt", "--format", "jsonl"]) == .file(path: "c.txt", format: .jsonLines))
        #expect(
            try input(["--input", "c.tmx", "--source-language", "en", "--target-language", "es"])
                == .file(path: "c.tmx", format: .tmx))
        #expect(try input(["--source", "a.en", "--target", "a.es"]) == .lineParallel(source: "a.en", target: "a.es"))
        // TMX needs both languages; moses is two files; --format describes --input.
        #expect(throws: (any Error).self) { try input(["--input", "c.tmx", "--source-language", "en"]) }
        #expect(throws: (any Error).self) { try input(["--input", "c.txt", "--format", "moses"]) }
        #expect(throws: (any Error).self) { try input(["--source", "a", "--target", "b", "--format", "tsv"]) }
    }

    @Test func transferTakesTwoFilesOrOneInput() throws {
        let base = ["transfer", "--model", "m.gguf", "--target-tokenizer", "t.json", "--output", "o"]
        func input(_ arguments: [String]) throws -> ParallelTextInput? {
            try (Transtok.parseAsRoot(base + arguments) as? TransferCommand)?.parallelText.parallelInput
        }
        #expect(
            try input(["--source-text", "s.txt.gz", "--target-text", "t.txt"])
                == .lineParallel(source: "s.txt.gz", target: "t.txt"))
        #expect(try input(["--input", "c.jsonl"]) == .file(path: "c.jsonl", format: .jsonLines))
        #expect(throws: (any Error).self) { try input(["--input", "c.jsonl", "--source-text", "s"]) }
        #expect(throws: (any Error).self) { try input(["--source-text", "s"]) }
        #expect(throws: (any Error).self) { try input(["--input", "c.tmx"]) }
    }

    /// One check (`ParallelTextOptions.validate`) for both commands; each error names the command's own flags.
    @Test func theErrorsNameEachCommandsOwnFlags() {
        let transfer = ["transfer", "--model", "m.gguf", "--target-tokenizer", "t.json", "--output", "o"]
        func message(_ arguments: [String]) -> String {
            let error = ParsingErrorProbe.error(arguments)
            return error is CancellationError ? "accepted" : Transtok.fullMessage(for: error)
        }
        let cases: [(arguments: [String], wanted: String, unwanted: String)] = [
            (["align", "--source", "a"], "give --source and --target, or --input", "--source-text"),
            (["align", "--input", "c.tsv", "--target", "b"], "--input excludes --source/--target", "--target-text"),
            (transfer + ["--target-text", "b"], "give --source-text and --target-text, or --input", "--source and"),
            (
                transfer + ["--input", "c.tsv", "--source-text", "a"], "--input excludes --source-text/--target-text",
                "--source/"
            ),
            (["align", "--source", "a", "--target", "b", "--format", "tsv"], "--format describes --input", "accepted"),
            (transfer + ["--input", "c.tmx", "--target-language", "es"], "give both languages", "accepted"),
        ]
        for (arguments, wanted, unwanted) in cases {
            let text = message(arguments)
            #expect(text.contains(wanted) && !text.contains(unwanted), "\(arguments): \(text)")
        }
    }

    @Test func helpKeepsEachCommandsNamesAndTexts() {
        let align = Transtok.helpMessage(for: AlignCommand.self)
        #expect(align.contains("--source <source>") && align.contains("line-parallel to --source."), "\(align)")
        #expect(align.contains("--source-language <code>") && !align.contains("--source-text"), "\(align)")
        let transfer = Transtok.helpMessage(for: TransferCommand.self)
        #expect(transfer.contains("--source-text <source-text>") && transfer.contains("--target-text"), "\(transfer)")
        #expect(transfer.contains("for the model card") && !transfer.contains("--source <"), "\(transfer)")
    }
}
