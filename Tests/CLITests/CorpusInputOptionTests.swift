import Engine
import Testing

@testable import CLI

/// `align` and `transfer` name their parallel text the same way: two line-parallel files, or one `--input` whose
/// format is `--format`'s, else the one its name implies, else fast_align's.
@Suite struct CorpusInputOptionTests {
    @Test func alignPicksTheFormatOfItsInput() throws {
        func input(_ arguments: [String]) throws -> ParallelTextInput? {
            try (Transtok.parseAsRoot(["align"] + arguments) as? AlignCommand)?.parallelInput
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
            try (Transtok.parseAsRoot(base + arguments) as? TransferCommand)?.parallelInput
        }
        #expect(
            try input(["--source-text", "s.txt.gz", "--target-text", "t.txt"])
                == .lineParallel(source: "s.txt.gz", target: "t.txt"))
        #expect(try input(["--input", "c.jsonl"]) == .file(path: "c.jsonl", format: .jsonLines))
        #expect(throws: (any Error).self) { try input(["--input", "c.jsonl", "--source-text", "s"]) }
        #expect(throws: (any Error).self) { try input(["--source-text", "s"]) }
        #expect(throws: (any Error).self) { try input(["--input", "c.tmx"]) }
    }
}
