import Engine
import Foundation
import Testing

/// The model card `transtok transfer` writes (#17.12): Hugging Face front matter, and a `transformers` snippet that
/// runs, as extracted from the README, against the directory (plain and Hydra) with Python transformers — the
/// reference implementation, never skipped (a missing python3/transformers fails the test).
@Suite(.serialized) struct ModelCardTests {
    /// The ```python blocks of a markdown text.
    static func pythonBlocks(_ markdown: String) -> [String] {
        var blocks: [String] = [], current: [Substring]? = nil
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```python" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    @Test(arguments: [false, true]) func theCardsSnippetLoadsTheDirectoryTransferWrote(hydra: Bool) throws {
        let root = try makeTemporaryDirectory("modelcard")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = root + "/model", output = root + "/out"
        try TinyModel.write(to: model)
        let target = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        try TinyModel.writeBibleText(pairs: 150, to: root)
        let transfer = try runCommand(
            Binaries.cli,
            [
                "transfer", "--model", model, "--target-tokenizer", target, "--source-text", root + "/en.txt",
                "--target-text", root + "/es.txt", "--output", output, "--min-count", "1", "--threads", "1",
                "--aligner", "ibm1",
                "--source-language", "en", "--target-language", "es",
            ] + (hydra ? ["--hydra"] : []), timeout: 300)
        #expect(transfer.status == 0, "\(transfer.stderr)")
        // A Hydra directory carries the aligner's word translations for source-paced decoding; a plain one does not.
        let lexicon = try ModelLoader.load(path: output).hydraLexicon
        #expect(hydra ? lexicon.map { !$0.isEmpty } == true : lexicon == nil)

        let card = try String(contentsOfFile: output + "/" + CheckpointLayout.modelCard, encoding: .utf8)
        let front = try #require(
            card.split(separator: "---\n", maxSplits: 2, omittingEmptySubsequences: false).dropFirst().first)
        #expect(front.contains("language:\n- es\n- en\n"), "\(front)")
        #expect(front.contains("library_name: transformers\n") && front.contains("pipeline_tag: text-generation\n"))
        #expect(front.contains("tags:\n- transtok\n- trans-tokenization\n" + (hydra ? "- hydra\n" : "")), "\(front)")
        #expect(!front.contains("base_model:"), "the tiny model states no Hub id; none may be invented")
        #expect(
            card.contains("| Parallel corpus | 150 sentence pairs |") && card.contains("| Aligner | ibm1 |"), "\(card)")
        #expect(card.contains("| Tokenizer | BPE, "), "\(card)")

        let blocks = Self.pythonBlocks(card)
        #expect(blocks.count == 1)
        let script = root + "/snippet.py"
        try (blocks.first ?? "").write(toFile: script, atomically: true, encoding: .utf8)
        let run = try runCommand("/bin/sh", ["-c", "cd '\(output)' && exec python3 '\(script)'"], timeout: 300)
        #expect(run.status == 0, "the card's snippet failed:\n\(run.stderr.suffix(3000))")
        #expect(!run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the snippet printed nothing")
    }

    @Test func frontMatterTakesLicenseAndHubIDOnlyFromTheSource() throws {
        let root = try makeTemporaryDirectory("modelcard-base")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "---\nlicense: apache-2.0\nlanguage:\n- en\n---\n# x\n".write(
            toFile: root + "/README.md", atomically: true, encoding: .utf8)
        try #"{"model_type": "llama", "_name_or_path": "HuggingFaceTB/SmolLM2-135M"}"#
            .write(toFile: root + "/config.json", atomically: true, encoding: .utf8)
        let info = BaseModelInfo.read(path: root)
        #expect(info.license == "apache-2.0" && info.hubID == "HuggingFaceTB/SmolLM2-135M")
        try #"{"model_type": "llama", "_name_or_path": "/home/me/models/x"}"#
            .write(toFile: root + "/config.json", atomically: true, encoding: .utf8)
        #expect(BaseModelInfo.read(path: root).hubID == nil)
        let card = ModelCard(
            title: "t", base: info, architecture: "llama", kind: .decoder, sourceLanguage: "en", targetLanguage: "es",
            tokenizer: "BPE, 10 tokens", corpusPairs: 3, method: [], figures: [], hydra: false, dtype: "bf16",
            producedBy: "p")
        #expect(
            card.markdown.hasPrefix(
                """
                ---
                language:
                - es
                - en
                base_model: HuggingFaceTB/SmolLM2-135M
                library_name: transformers
                license: apache-2.0
                pipeline_tag: text-generation
                """))
    }
}
