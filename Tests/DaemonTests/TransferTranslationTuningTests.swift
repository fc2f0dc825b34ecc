import Engine
import Foundation
import Testing

/// `transtok transfer --tune-minutes N --tune-translation K`: the translation objective mixed into the tuning of a
/// real (tiny Llama) model through the CLI: the Hydra checkpoint's target rows move, its source rows do not.
@Suite(.serialized) struct TransferTranslationTuningTests {
    @Test func translationBatchesTuneTheTargetRows() throws {
        let root = try makeTemporaryDirectory("tune-translation")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = root + "/model"
        try TinyModel.write(to: model, maxPositions: 256) // room for a verse in the echo prompt
        let target = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        try TinyModel.writeBibleText(pairs: 150, to: root)
        func transfer(_ output: String, _ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let run = try runCommand(
                Binaries.cli,
                [
                    "transfer", "--model", model, "--target-tokenizer", target, "--source-text", root + "/en.txt",
                    "--target-text", root + "/es.txt", "--output", root + "/" + output, "--min-count", "1",
                    "--threads", "1", "--aligner", "ibm1", "--source-language", "en", "--target-language", "es",
                    "--hydra",
                ] + extra, timeout: 300)
            return (run.status, run.stdout, run.stderr)
        }
        let tuned = try transfer(
            "tuned", ["--tune-minutes", "0.03", "--tune-translation", "2", "--tune-length", "160"])
        #expect(tuned.status == 0, "\(tuned.stderr)")
        #expect(
            tuned.stdout.contains("translation objective: 1 batch in 2, ")
                && tuned.stdout.contains(" echo prompts"),
            "\(tuned.stdout)")
        let plain = try transfer("plain", [])
        #expect(plain.status == 0, "\(plain.stderr)")
        // The tuned target rows differ from the untuned ones; the source block of the Hydra table does not.
        func table(_ dir: String) throws -> (offset: Int?, hidden: Int, values: [Float]) {
            let config = try DecoderConfig(huggingFaceConfig: URL(fileURLWithPath: root + "/\(dir)/config.json"))
            let weights = try SafetensorsFile(path: root + "/\(dir)/model.safetensors")
            return (config.hydraSourceOffset, config.hiddenSize, try weights.float32("model.embed_tokens.weight"))
        }
        let a = try table("tuned"), b = try table("plain")
        let offset = try #require(a.offset)
        #expect(b.offset == offset)
        let ta = a.values, tb = b.values, h = a.hidden
        #expect(ta.count == tb.count)
        #expect(ta[..<(offset * h)] != tb[..<(offset * h)], "tuning moved no target row")
        #expect(ta[(offset * h)...] == tb[(offset * h)...], "the source rows moved")
        // The head carries the target log-prior (`HydraPrior`), one finite value per target token, and the
        // runtime loads it.
        let prior = try SafetensorsFile(path: root + "/plain/model.safetensors").float32(
            CheckpointLayout.headBiasTensor)
        #expect(prior.count == offset && prior.allSatisfy(\.isFinite) && Set(prior).count > 1)
        let loaded = try ModelLoader.load(path: root + "/plain")
        let ratio = try #require(loaded.model.config.hydraTargetTokensPerSourceByte)
        #expect(ratio > 0 && ratio < 2, "target tokens per source byte: \(ratio)")
        // A bad value is refused with the flag's name.
        let bad = try transfer("bad", ["--tune-minutes", "0.01", "--tune-translation", "-1"])
        #expect(bad.status != 0 && bad.stderr.contains("--tune-translation"), "\(bad.stderr)")
    }
}
