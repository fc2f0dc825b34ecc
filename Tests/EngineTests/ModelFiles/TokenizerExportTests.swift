import Foundation
import Testing

@testable import Engine

@Suite("ModelFiles: GGUF tokenizer export")
struct ModelFilesTokenizerExportTests {
    static func stringArray(_ items: [String]) -> [UInt8] {
        GGUFBuilder.le(UInt32(8)) + GGUFBuilder.le(UInt64(items.count)) + items.flatMap(GGUFBuilder.str)
    }

    static func floatArray(_ items: [Float]) -> [UInt8] {
        GGUFBuilder.le(UInt32(6)) + GGUFBuilder.le(UInt64(items.count))
            + items.flatMap { GGUFBuilder.le($0.bitPattern) }
    }

    static func intArray(_ items: [Int32]) -> [UInt8] {
        GGUFBuilder.le(UInt32(5)) + GGUFBuilder.le(UInt64(items.count)) + items.flatMap { GGUFBuilder.le($0) }
    }

    /// A SentencePiece ("llama") vocabulary without merges: merges are recovered from scores exactly like
    /// transformers' `generate_merges` (expected list printed by transformers.convert_slow_tokenizer).
    @Test func sentencePieceKindRecoversMergesFromScores() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        b.add("tokenizer.ggml.model", string: "llama")
        let tokens = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "▁ab", "ba", "bab"]
        b.add("tokenizer.ggml.tokens", type: 9, raw: Self.stringArray(tokens))
        b.add("tokenizer.ggml.scores", type: 9, raw: Self.floatArray([0, 0, 0, -1, -2, -3, -4, -5, -6, -5, -7]))
        b.add("tokenizer.ggml.token_type", type: 9, raw: Self.intArray([2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1]))
        b.add("tokenizer.ggml.bos_token_id", u32: 1)
        b.add("tokenizer.ggml.eos_token_id", u32: 2)
        b.add("tokenizer.ggml.unknown_token_id", u32: 0)
        let t = try GGUFTokenizerExport.export(try GGUFFile(path: try b.write()))
        let merges = t.tokenizerJSON["model"]?["merges"]?.array?.map { $0.array?.compactMap(\.string) ?? [] }
        #expect(
            merges == [["▁", "a"], ["a", "b"], ["b", "a"], ["▁a", "b"], ["▁", "ab"], ["ba", "b"], ["b", "ab"]])
        #expect(t.tokenizerJSON["model"]?["byte_fallback"] == .bool(true))
        #expect(t.tokenizerJSON["model"]?["unk_token"] == .string("<unk>"))
        #expect(t.tokenizerJSON["pre_tokenizer"]?["type"] == .string("Metaspace"))
        // Add_bos defaults on for SP.
        #expect(t.tokenizerJSON["post_processor"]?["type"] == .string("TemplateProcessing"))
        #expect(
            t.tokenizerJSON["added_tokens"]?.array?.compactMap { $0["content"]?.string } == ["<unk>", "<s>", "</s>"])
        #expect(t.tokenizerConfig["bos_token"] == .string("<s>"))
        #expect(t.bosTokenID == 1 && t.eosTokenID == 2 && t.unkTokenID == 0 && t.padTokenID == nil)
    }

    @Test func rejectsInconsistentTokenizerMetadata() throws {
        var b = GGUFBuilder()
        b.add("tokenizer.ggml.model", string: "gpt2")
        b.add("tokenizer.ggml.tokens", type: 9, raw: Self.stringArray(["a", "b"]))
        b.add("tokenizer.ggml.merges", type: 9, raw: Self.stringArray(["a b"]))
        b.add("tokenizer.ggml.eos_token_id", u32: 7)
        #expect(throws: ModelFileError.invalidConfig("tokenizer.ggml.eos_token_id = uint32(7) is not a token id")) {
            try GGUFTokenizerExport.export(try GGUFFile(path: try b.write()))
        }
        // An unknown byte-level pre-tokenizer is an error naming it (main exported GPT-2's with only a warning that
        // `transfer` and the runtime never showed); Llama 3's sets ignore_merges as its tokenizer.json does.
        for (pre, ignoreMerges) in [("tekken-unknown", nil), ("llama-bpe", true), ("qwen2", false)] as [(String, Bool?)]
        {
            var p = GGUFBuilder()
            p.add("tokenizer.ggml.model", string: "gpt2")
            p.add("tokenizer.ggml.pre", string: pre)
            p.add("tokenizer.ggml.tokens", type: 9, raw: Self.stringArray(["a", "b", "ab"]))
            p.add("tokenizer.ggml.merges", type: 9, raw: Self.stringArray(["a b"]))
            let file = try GGUFFile(path: try p.write())
            if let ignoreMerges {
                #expect(
                    try GGUFTokenizerExport.export(file).tokenizerJSON["model"]?["ignore_merges"]?.bool == ignoreMerges)
            } else {
                do {
                    _ = try GGUFTokenizerExport.export(file)
                    Issue.record("pre '\(pre)' accepted")
                } catch {
                    #expect("\(error)".contains("tokenizer.ggml.pre 'tekken-unknown'"), "\(error)")
                }
            }
        }
        var c = GGUFBuilder()
        c.add("tokenizer.ggml.model", string: "bert")
        c.add("tokenizer.ggml.tokens", type: 9, raw: Self.stringArray(["a"]))
        #expect(throws: ModelFileError.self) { try GGUFTokenizerExport.export(try GGUFFile(path: try c.write())) }
    }

    @Test(.enabled(if: TestPaths.assetAvailable("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
    func smolLM2ByteLevelTokenizer() throws {
        let g = try GGUFFile(path: TestPaths.asset("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
        let t = try GGUFTokenizerExport.export(g)
        #expect(t.warnings.isEmpty)
        #expect(t.vocabularySize == 49152)
        let model = try #require(t.tokenizerJSON["model"])
        #expect(model["vocab"]?.object?.count == 49152)
        #expect(model["merges"]?.array?.count == 48900)
        #expect(model["merges"]?.array?.first == .string("Ġ t"))
        // smollm: digits one by one, then the GPT-2 byte-level regex (llama.cpp's LLAMA_VOCAB_PRE_TYPE_SMOLLM).
        let pre = try #require(t.tokenizerJSON["pre_tokenizer"]?["pretokenizers"]?.array)
        #expect(pre.map { $0["type"]?.string } == ["Digits", "ByteLevel"])
        let added = try #require(t.tokenizerJSON["added_tokens"]?.array)
        #expect(added.count == 17)
        #expect(added.first?["content"] == .string("<|endoftext|>"))
        #expect(added.allSatisfy { $0["special"] == .bool(true) })
        #expect(t.bosTokenID == 1 && t.eosTokenID == 2 && t.unkTokenID == 0 && t.padTokenID == 2)
        #expect(t.tokenizerConfig["eos_token"] == .string("<|im_end|>"))
        #expect(t.tokenizerConfig["chat_template"]?.string?.hasPrefix("{% for message in messages %}") == true)
        #expect(t.tokenizerConfig["add_bos_token"] == .bool(false))
        // The serialized file parses back to the same value (what HF `tokenizers` loads in check_hf_export.py).
        let text = t.tokenizerJSON.serialized(indent: 2)
        #expect(try JSONValue.parse(text) == t.tokenizerJSON)
        // Every id of the reference encodings (scripts/reference/check_hf_export.py) is in the vocabulary.
        let expected = try loadJSONFixture("modelfiles/smollm2_tokenizer_expected.json")
        let ids = (expected.array ?? []).flatMap { $0["ids"]?.array?.compactMap(\.int) ?? [] }
        #expect(!ids.isEmpty && ids.allSatisfy { (0..<49152).contains($0) })
    }
}
