import ArgumentParser
import ControlAPI
import Foundation
import Testing

@testable import CLI

/// #17 "What to build": lists with a header row and `--no-headers`, `--json` in snake_case with RFC 3339 times,
/// choices listed by `--help`, Foundation errors in words.
@Suite struct OutputFormatTests {
    @Test func tableAlignsColumnsAndCanDropTheHeader() throws {
        let table = Table(["NAME", "PAIRS", "PATH"], rows: [["en-tt", "3", "/a b"], ["x", "12345", "/c"]])
        #expect(table.render() == "NAME    PAIRS   PATH\nen-tt   3       /a b\nx       12345   /c")
        #expect(table.render(headers: false) == "en-tt   3       /a b\nx       12345   /c")
        let options = try? ListOptions.parse(["--no-headers"])
        #expect(options?.render(Table(["A"], rows: []), empty: "none") == "")
        #expect(try ListOptions.parse([]).render(Table(["A"], rows: []), empty: "none") == "none")
    }

    @Test func everyListAcceptsNoHeaders() throws {
        for arguments in [
            ["files"], ["workspace", "list"], ["checkpoints"], ["remote", "list"], ["sync", "status"], ["jobs"],
            ["lookup", "word"],
        ] {
            let command = try Transtok.parseAsRoot(arguments + ["--no-headers"])
            let list = Mirror(reflecting: command).children.compactMap { $0.value as? OptionGroup<ListOptions> }
            #expect(list.first?.wrappedValue.noHeaders == true, "\(arguments)")
        }
    }

    @Test func jsonIsSnakeCaseWithRFC3339Times() throws {
        let status = StatusResponse(
            version: "1", pid: 7, startedAt: Date(timeIntervalSince1970: 1_796_000_000), uptimeSeconds: 2,
            stateDirectory: "/state", socket: "/s", workspaces: [], jobs: [],
            counts: CountsStatus(
                filesIngested: 1, filesPending: 0, filesRejected: 0, pairs: 3, pairsRetracted: 0, checkpoints: 0,
                jobsQueued: 0, jobsRunning: 0))
        let text = try JSONOutput.string(status)
        #expect(text.contains(#""started_at" : "2026-11-30T"#), "\(text)")
        #expect(text.contains(#""state_directory" : "/state""#))
        #expect(text.contains(#""files_ingested" : 1"#))
        #expect(!text.contains("startedAt") && !text.contains("filesIngested"))
        let back = try JSONOutput.decoder().decode(StatusResponse.self, from: Data(text.utf8))
        #expect(back.startedAt == status.startedAt && back.counts == status.counts)
        let checkpoint = CheckpointStatus(
            workspace: "w", number: 1, path: "/p", pairs: 1, sizeBytes: 1, createdAt: Date(timeIntervalSince1970: 0),
            manifestSHA256: "ab")
        let checkpointText = try JSONOutput.string(checkpoint, pretty: false)
        #expect(checkpointText.contains(#""created_at":"1970-01-01T00:00:00Z""#), "\(checkpointText)")
        #expect(checkpointText.contains(#""manifest_sha256":"ab""#), "\(checkpointText)")
    }

    @Test func everyChoiceListsItsValuesInHelp() {
        let choices: [(ParsableCommand.Type, String, [String])] = [
            (TransferCommand.self, "--init", ["transtok", "mean", "random", "copy-overlap"]),
            (TransferCommand.self, "--aligner", ["ibm1", "fastalign", "best"]),
            (TransferCommand.self, "--dtype", ["auto", "f32", "f16", "bf16"]),
            (ConvertCommand.self, "--dtype", ["auto", "f32", "f16", "bf16"]),
            (WorkspaceCommand.Create.self, "--dtype", ["auto", "bf16"]),
            (WorkspaceCommand.Create.self, "--aligner", ["ibm2", "ibm2-hmm"]),
            (WorkspaceCommand.Rebuild.self, "--aligner", ["ibm2", "ibm2-hmm"]),
            (RemoteAddCommand.self, "--addressing", ["path", "virtual"]),
            (RemoteAddCommand.self, "--part-integrity", ["contentMD5", "checksumSHA256"]),
            (RemoteTestCommand.self, "--addressing", ["path", "virtual"]),
            (FilesCommand.self, "--state", ["ingested", "rejected", "pending"]),
            (TrainTokenizerCommand.self, "--kind", ["sentencepiece-bpe", "byte-level-bpe"]),
            (AlignCommand.self, "--model", ["ibm1", "fastalign", "best"]),
            (AlignCommand.self, "--symmetrize", ["intersect", "grow-diag-final-and"]),
            (AlignCommand.self, "--format", ["tsv", "jsonl", "tmx", "fast-align"]),
            (TransferCommand.self, "--format", ["tsv", "jsonl", "tmx", "fast-align"]),
            (GenerateCommand.self, "--decode-activations", ["quantized8", "float32"]),
            (CompletionCommand.self, "<shell>", ["bash", "zsh", "fish"]),
        ]
        for (command, option, values) in choices {
            let help = Transtok.helpMessage(for: command, columns: 10_000)
            // The option's entry: its line and the indented lines under it, up to the next option.
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let start = lines.firstIndex { $0.hasPrefix(option + " ") } ?? lines.endIndex
            let rest = lines[start...].dropFirst()
            let end = rest.firstIndex { $0.isEmpty || $0.hasPrefix("-") || $0.hasPrefix("<") } ?? lines.endIndex
            let line = lines[start..<end].joined(separator: " ")
            let listed = line.range(of: "values: ").map { String(line[$0.upperBound...]) } ?? ""
            for value in values {
                #expect(listed.contains(value), "\(command) \(option): \(value) not listed in: \(line)")
            }
        }
    }

    @Test func foundationFileErrorsBecomeWords() throws {
        let missing = CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/no/such/file.json"])
        let report = ErrorPresentation.cliError(missing, command: TokenizeCommand.self)
        #expect(report.message == "/no/such/file.json: No such file or directory", "\(report.message)")
        #expect(report.hint == "see `transtok tokenize --help`")
        #expect(report.code == .notFound)
        let directory = FileManager.default.temporaryDirectory.path
        let unknown = CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: directory])
        let text = ErrorPresentation.cliError(unknown, command: TokenizeCommand.self).message
        #expect(text.contains("is a directory") && !text.contains("NSCocoaErrorDomain"), "\(text)")
    }
}

extension OutputFormatTests {
    @Test func argumentParsersOwnErrorsAreNotReworded() throws {
        #expect(ErrorPresentation.isArgumentParsers(ExitCode(3)))
        #expect(ErrorPresentation.isArgumentParsers(CleanExit.helpRequest()))
        #expect(!ErrorPresentation.isArgumentParsers(CocoaError(.fileReadNoSuchFile)))
        // `transtok help files` runs argument-parser's help verb, which throws its own (internal) error type.
        var help = try Transtok.parseAsRoot(["help", "files"])
        #expect(throws: (any Error).self) { try help.run() }
        do { try help.run() } catch { #expect(ErrorPresentation.isArgumentParsers(error), "\(type(of: error))") }
    }
}
