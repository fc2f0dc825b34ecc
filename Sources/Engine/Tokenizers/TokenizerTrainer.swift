import Foundation
import Systems

/// A trained tokenizer: the three files Hugging Face loads, and our own encoder for it.
public struct TrainedTokenizer: Sendable {
    public let tokenizerJSON: [UInt8]
    public let tokenizerConfigJSON: [UInt8]
    public let specialTokensMapJSON: [UInt8]
    public let vocabularySize: Int
    public let mergeCount: Int

    /// Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into `directory` (created),
    /// each with `DurableFile`'s guarantee.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, bytes) in [
            ("tokenizer.json", tokenizerJSON), ("tokenizer_config.json", tokenizerConfigJSON),
            ("special_tokens_map.json", specialTokensMapJSON),
        ] {
            try DurableFile.write(bytes, to: directory.appendingPathComponent(name).path)
        }
    }

    public func tokenizer() throws -> Tokenizer { try Tokenizer(data: tokenizerJSON) }
}

/// Trains BPE tokenizers for a target language (see `TokenizerTrainingOptions.Kind`). Input is streamed (only
/// word counts are held, bounded by `maxDistinctWords`); output is deterministic for the same input.
public enum TokenizerTrainer {
    public static func train(files: [URL], options: TokenizerTrainingOptions) throws -> TrainedTokenizer {
        let counter = try makeCounter(options)
        for f in files { try counter.add(file: f) }
        return try finish(counter, options)
    }

    public static func train(lines: [String], options: TokenizerTrainingOptions) throws -> TrainedTokenizer {
        let counter = try makeCounter(options)
        counter.add(lines: lines)
        return try finish(counter, options)
    }

    static let metaspace: UInt32 = 0x2581

    static func preTokenizer(_ kind: TokenizerTrainingOptions.Kind) -> PreTokenizer {
        switch kind {
        case .sentencePieceBPE:
            return .sequence([
                .metaspace(replacement: metaspace, scheme: .first, split: true), .digits(individual: true),
            ])
        case .byteLevelBPE:
            return .byteLevel(addPrefixSpace: false, useRegex: true)
        }
    }

    private static func makeCounter(_ o: TokenizerTrainingOptions) throws -> WordCounter {
        guard o.vocabSize > 0 else { throw TokenizerError.training("vocabulary size must be positive") }
        guard Set(o.specialTokens).count == o.specialTokens.count, !o.specialTokens.contains("") else {
            throw TokenizerError.training("special tokens must be distinct and non-empty")
        }
        if o.kind == .sentencePieceBPE && o.specialTokens.first != "<unk>" && !o.specialTokens.contains("<unk>") {
            throw TokenizerError.training("sentencepiece-bpe needs an <unk> special token")
        }
        let threads = o.threads > 0 ? o.threads : ProcessInfo.processInfo.activeProcessorCount
        return WordCounter(preTokenizer: preTokenizer(o.kind), maxDistinctWords: o.maxDistinctWords, threads: threads)
    }

    private static func finish(_ counter: WordCounter, _ o: TokenizerTrainingOptions) throws -> TrainedTokenizer {
        // Initial symbols: specials, then (sentencepiece) the byte pieces, then the alphabet sorted by scalar.
        var pieces = o.specialTokens.map { Scalars.of($0) }
        if o.kind == .sentencePieceBPE {
            for b in 0..<256 { pieces.append(Scalars.of(String(format: "<0x%02X>", b))) }
        }
        var alphabet = Set<UInt32>()
        if o.kind == .byteLevelBPE { alphabet.formUnion(ByteLevelAlphabet.byteToScalar) }
        for word in counter.counts.keys { alphabet.formUnion(word) }
        var ids = [[UInt32]: Int32]()
        for (i, p) in pieces.enumerated() where ids[p] == nil { ids[p] = Int32(i) }
        for v in alphabet.sorted() where ids[[v]] == nil {
            ids[[v]] = Int32(pieces.count)
            pieces.append([v])
        }
        guard pieces.count <= o.vocabSize else {
            throw TokenizerError.training(
                "vocabulary size \(o.vocabSize) is smaller than the \(pieces.count) special, byte and character pieces")
        }
        // Words as symbol ids, in a deterministic order (the merge loop does not depend on it, but keep it stable).
        let entries = counter.counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        let words = entries.map { $0.key.map { ids[[$0]] ?? 0 } }
        let counts = entries.map { Int64($0.value) }
        var unmergeable = Set<Int32>()
        if o.kind == .sentencePieceBPE {
            for v in alphabet where UnicodeClasses.isNumber(v) { if let id = ids[[v]] { unmergeable.insert(id) } }
        }
        var trainer = BPEMergeTrainer(initialPieces: pieces)
        trainer.train(
            words: words, counts: counts, vocabSize: o.vocabSize, minFrequency: o.minFrequency,
            maxTokenLength: o.maxTokenLength, unmergeable: unmergeable)
        return TrainedTokenizerFiles(options: o, pieces: trainer.pieces, merges: trainer.merges).build()
    }
}
