import Foundation
import Testing

@testable import Engine

@Suite("Tokenizer training")
struct TokenizerTrainingTests {
    static let kinds: [TokenizerTrainingOptions.Kind] = [.sentencePieceBPE, .byteLevelBPE]

    static func stressFile() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("transtok-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("corpus.txt")
        try Data(try TokenizerFileData.read(ReferenceFixtures.url("stress.txt.gz"))).write(to: url)
        return url
    }

    static func options(_ kind: TokenizerTrainingOptions.Kind) -> TokenizerTrainingOptions {
        TokenizerTrainingOptions(kind: kind, vocabSize: 3000, threads: 2)
    }

    @Test("streamed training reproduces the committed fixture byte for byte", arguments: kinds)
    func deterministic(kind: TokenizerTrainingOptions.Kind) throws {
        let corpus = try Self.stressFile()
        defer { try? FileManager.default.removeItem(at: corpus.deletingLastPathComponent()) }
        let a = try TokenizerTrainer.train(files: [corpus], options: Self.options(kind))
        let expected = try TokenizerFileData.read(ReferenceFixtures.url("trained-\(kind.rawValue).tokenizer.json.gz"))
        #expect(a.tokenizerJSON == expected)
        #expect(a.vocabularySize == 3000)
        // Line-array input and one thread give the same result.
        var one = Self.options(kind)
        one.threads = 1
        let b = try TokenizerTrainer.train(lines: try ReferenceFixtures.stressLines(), options: one)
        #expect(b.tokenizerJSON == a.tokenizerJSON)
    }

    @Test("HF tokenizers encodes our trained files exactly like we do", arguments: kinds)
    func hfParity(kind: TokenizerTrainingOptions.Kind) throws {
        let tok = try Tokenizer(contentsOf: ReferenceFixtures.url("trained-\(kind.rawValue).tokenizer.json.gz"))
        let lines = try ReferenceFixtures.stressLines()
        let reference = try ReferenceFixtures.reference("trained-\(kind.rawValue)")
        try #require(lines.count == reference.count)
        var differ = 0
        for (line, ref) in zip(lines, reference) {
            let e = tok.encode(line)
            let d = tok.decode(e.ids)
            if e.ids != ref.ids || e.offsets != ref.offsets
                || !d.unicodeScalars.elementsEqual(ref.decoded.unicodeScalars)
            {
                differ += 1
            }
        }
        #expect(differ == 0, "\(differ) of \(lines.count) lines differ from HF")
    }

    @Test("byte-level training equals HF BpeTrainer (vocab and merges)")
    func byteLevelEqualsHFTrainer() throws {
        let ours = try Tokenizer(contentsOf: ReferenceFixtures.url("trained-byte-level-bpe.tokenizer.json.gz"))
        let hf = try Tokenizer(contentsOf: ReferenceFixtures.url("hf-trained-byte-level-bpe.tokenizer.json.gz"))
        #expect(ours.vocabularySize == hf.vocabularySize)
        let differentPieces = (0..<max(ours.vocabularySize, hf.vocabularySize)).filter {
            ours.piece(for: $0).map(Scalars.of) != hf.piece(for: $0).map(Scalars.of)
        }
        #expect(differentPieces.isEmpty, "first differing ids: \(differentPieces.prefix(5))")
        guard case .bpe(let a) = ours.model, case .bpe(let b) = hf.model else {
            Issue.record("both must be BPE models")
            return
        }
        #expect(a.mergeList.count == b.mergeList.count)
        let firstDifferentMerge = zip(a.mergeList, b.mergeList).enumerated().first {
            $0.element.0.0 != $0.element.1.0 || $0.element.0.1 != $0.element.1.1
        }?.offset
        #expect(firstDifferentMerge == nil, "first differing merge: \(String(describing: firstDifferentMerge))")
    }

    @Test("saved files round-trip: decode(encode(text)) == text, special roles from the config", arguments: kinds)
    func roundTrip(kind: TokenizerTrainingOptions.Kind) throws {
        let lines = Array(try ReferenceFixtures.stressLines().prefix(1200))
        var o = Self.options(kind)
        o.vocabSize = 2500
        o.specialTokens += ["<|im_start|>", "<|im_end|>"]
        let trained = try TokenizerTrainer.train(lines: lines, options: o)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("transtok-trained-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try trained.write(to: dir)
        let tok = try Tokenizer(contentsOf: dir.appendingPathComponent("tokenizer.json"))
        #expect(tok.vocabularySize == 2500)
        var bad = 0
        // SentencePiece-style decoding drops one leading space (HF's Strip decoder, like Llama/Mistral).
        let checked = kind == .sentencePieceBPE ? lines.filter { !$0.hasPrefix(" ") } : lines
        for line in checked + ["Мин татарча сөйләшәм 12345 🙂 \u{10FFFD}", "two  spaces\t <|im_start|>user "] {
            let d = tok.decode(tok.encode(line, addSpecialTokens: false).ids)
            if !d.unicodeScalars.elementsEqual(line.unicodeScalars) { bad += 1 }
        }
        #expect(bad == 0)
        #expect(tok.encode("<|im_start|>", addSpecialTokens: false).ids == [o.specialTokens.count - 2])
        switch kind {
        case .sentencePieceBPE:
            #expect(tok.specialTokenIDs[.unk] == 0 && tok.specialTokenIDs[.bos] == 1 && tok.specialTokenIDs[.eos] == 2)
            #expect(tok.specialTokenIDs[.pad] == 3)
            #expect(tok.encode("x").ids.first == 1)
            // Digits are never merged.
            #expect(
                tok.encode("2024", addSpecialTokens: false).tokens.allSatisfy {
                    $0.unicodeScalars.filter { $0.properties.numericType != nil }.count <= 1
                })
        case .byteLevelBPE:
            #expect(tok.specialTokenIDs[.eos] == 0 && tok.specialTokenIDs[.pad] == 1)
        }
    }

    @Test("too small a vocabulary is an error, not a crash")
    func tooSmall() {
        #expect(throws: TokenizerError.self) {
            try TokenizerTrainer.train(
                lines: ["abc def"], options: TokenizerTrainingOptions(kind: .sentencePieceBPE, vocabSize: 10))
        }
        #expect(throws: TokenizerError.self) {
            try TokenizerTrainer.train(
                files: [URL(fileURLWithPath: "/nonexistent/corpus.txt")],
                options: TokenizerTrainingOptions(kind: .byteLevelBPE, vocabSize: 300))
        }
    }
}
