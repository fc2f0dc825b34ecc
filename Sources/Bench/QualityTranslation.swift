import Engine
import Foundation

/// chrF of Hydra translation on held-out verses beside a word-by-word baseline from the lexical table
/// `transtok lookup` reads (the daemon's forward incremental aligner, trained here on the training split).
struct QualityTranslation {
    struct Outcome {
        var hydraChrF: Double
        var wordByWordChrF: Double
        var verses: Int
        var hydraSeconds: Double
        /// Every verse: source, reference and both outputs.
        var lines: [(source: String, reference: String, hydra: String, wordByWord: String)]
        /// The first three, which the report prints.
        var examples: ArraySlice<(source: String, reference: String, hydra: String, wordByWord: String)> {
            lines.prefix(3)
        }

        /// The lines as TSV (source, reference, Hydra, word-by-word; tabs and newlines in text become spaces).
        var tsv: String {
            func field(_ s: String) -> String {
                s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            }
            return
                (["source\treference\thydra\tword_by_word"]
                + lines.map { [$0.source, $0.reference, $0.hydra, $0.wordByWord].map(field).joined(separator: "\t") })
                .joined(separator: "\n") + "\n"
        }
    }

    /// The daemon's lookup table: `IncrementalAligner` with the daemon's options (forward direction only) on the
    /// training pairs' word units, every pair kept (`beam: nil`), NULL rows dropped; per source unit the target of
    /// highest t(f|e) (lookup's first answer), and the same table as the daemon's Hydra directory carries it
    /// (`HydraLexicon`).
    static func lookupTable(corpus: WordUnitCorpus, threads: Int) throws -> (
        bestTarget: [String: String], lexicon: HydraLexicon
    ) {
        var options = IncrementalOptions()
        options.reverseDirection = false
        options.threads = threads
        let aligner = IncrementalAligner(options: options)
        try aligner.add(batch: 1, corpus.parallelCorpus)
        let table = aligner.lexicalTable(beam: nil)
        var best: [String: (String, Double)] = [:]
        for row in table.rows where row.source != "<eps>" && row.target != "<eps>" {
            if let b = best[row.source], b.1 >= row.logProbability { continue }
            best[row.source] = (row.target, row.logProbability)
        }
        let lexicon = HydraLexicon(
            table: table, sourceUnits: corpus.sourceLexicon, targetUnits: corpus.targetLexicon)
        return (best.mapValues(\.0), lexicon)
    }

    /// Each source word unit replaced by its lookup translation (decoded with the target tokenizer, as lookup prints
    /// it); units without one are copied (names and numbers often are the same in both languages).
    static func wordByWord(
        _ text: String, pipeline: TransferPipeline, table: [String: String], trainCorpus: WordUnitCorpus,
        source: Tokenizer, target: Tokenizer
    ) -> String {
        var probe = WordUnitCorpus(codec: pipeline.codec)
        let (s, t) = pipeline.splitters()
        probe.append(source: text, target: text, sourceSplitter: s, targetSplitter: t)
        guard let units = probe.sentences.first else { return "" }
        func decoded(_ rendered: String, _ lexicon: WordUnitLexicon, _ tokenizer: Tokenizer) -> String {
            guard let ids = lexicon[rendered] else { return rendered }
            return tokenizer.decode(ids, skipSpecialTokens: true).trimmingCharacters(in: .whitespaces)
        }
        return units.source.map { unit in
            if let translation = table[unit] { return decoded(translation, trainCorpus.targetLexicon, target) }
            return decoded(unit, probe.sourceLexicon, source)
        }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// How the Hydra model is prompted and stopped.
    struct Decoding: CustomStringConvertible {
        /// The source model's chat template around the instruction (the prompt is read through the source rows, so
        /// the instruct model sees its own chat format); nil = the bare instruction.
        var template: ChatTemplate?
        /// Stop as soon as the last `repeatStop` words repeat an earlier word `repeatStop`-gram of the output, and
        /// cut the output before the repetition (greedy decoding of a small model falls into loops; 0 = off).
        var repeatStop = 0
        /// Cap on new tokens: `lengthFactor` × the expected target tokens (source bytes × the training corpus's
        /// target/source byte ratio × the target tokenizer's tokens per byte), + 8; nil = 2 × source tokens + 16.
        var expectedTokensPerSourceByte: Double?
        var lengthFactor = 1.5
        var style = HydraPromptStyle.echoRepeated
        /// The head's log-prior bias (`HydraPrior`) was added.
        var prior = true
        /// Source-paced decoding chooses words among the lookup table's translations (`HydraLexicon`, what
        /// `transfer --hydra` and the daemon write into a Hydra directory).
        var lexicon = true
        /// Beam width (1 = greedy).
        var beams = 1
        /// Source-paced or free (`HydraDecoding`; beam search is free).
        var hydraDecoding = HydraDecoding.sourcePaced

        var description: String {
            (beams == 1 ? "\(hydraDecoding.rawValue) decoding, " : "")
                + (beams == 1 && hydraDecoding == .sourcePaced ? (lexicon ? "lexicon, " : "no lexicon, ") : "")
                + (prior ? "head log-prior, " : "no head log-prior, ")
                + "prompt \(style.rawValue) \(template == nil ? "plain" : "in the chat template"), repeat stop \(repeatStop == 0 ? "off" : "\(repeatStop)-gram"), "
                + (expectedTokensPerSourceByte.map {
                    String(format: "length cap %.1f × expected (%.3f target tokens/source byte)", lengthFactor, $0)
                }
                    ?? (prior
                        ? "length cap translate's (1.5 × the corpus's expected length + 8, from the prior's ratio)"
                        : "length cap 2 × source tokens + 16"))
                + (beams > 1 ? ", beam search \(beams)" : "")
        }
    }

    /// The index in `words` where a repeated `n`-gram at the end first began its repetition (the start of the
    /// last copy), or nil.
    static func repetitionStart(_ words: [Substring], n: Int) -> Int? {
        guard n > 0, words.count >= 2 * n else { return nil }
        let tail = Array(words.suffix(n))
        for start in 0...(words.count - 2 * n) where Array(words[start..<(start + n)]) == tail {
            return words.count - n
        }
        return nil
    }

    /// Greedy Hydra translation of each verse with the prompt `transtok translate` sends (wrapped per `decoding`),
    /// source-paced or free (`decoding.hydraDecoding`); free decoding stops at the target EOS or at the first token
    /// whose text contains a newline (one verse in, one line out: `translate(text:)`'s own rule, a verse has no line
    /// break), at the length cap, or at a repetition (`decoding.repeatStop`).
    static func run(
        sample: [(String, String)], hydra: LlamaModel, source: Tokenizer, target: Tokenizer,
        sourceLanguage: String, targetLanguage: String, pipeline: TransferPipeline, table: [String: String],
        trainCorpus: WordUnitCorpus, lexicon: HydraLexicon? = nil, decoding: Decoding = Decoding()
    ) throws -> Outcome {
        let translator = try HydraTranslator(model: hydra)
        let chrf = ChrF()
        var hydraOut: [String] = [], wordOut: [String] = [], refs: [String] = []
        let start = Date()
        for (src, ref) in sample {
            var options = GenerationOptions()
            if let rate = decoding.expectedTokensPerSourceByte {
                options.maxTokens = min(
                    256, Int((decoding.lengthFactor * rate * Double(src.utf8.count)).rounded(.up)) + 8)
            } else {
                options.maxTokens = min(256, 2 * source.encodeIDs(src).count + 16)
            }
            options.beams = decoding.beams
            var cut: Int?
            var soFar = ""
            let (text, _) = try translator.translate(
                text: src, sourceLanguage: HydraTranslator.languageName(sourceLanguage),
                targetLanguage: HydraTranslator.languageName(targetLanguage),
                source: source, target: target, template: decoding.template, style: decoding.style,
                decoding: decoding.hydraDecoding,
                lexicon: decoding.lexicon ? lexicon : nil,
                options: options
            ) { piece in
                soFar += piece
                guard decoding.repeatStop > 0, piece.contains(" ") else { return true }
                // Whole words only: the text up to the last space.
                let words = soFar[..<(soFar.lastIndex(of: " ") ?? soFar.startIndex)].split(separator: " ")
                if let start = repetitionStart(words, n: decoding.repeatStop) {
                    cut = start
                    return false
                }
                return true
            }
            var line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if let cut { line = line.split(separator: " ").prefix(cut).joined(separator: " ") }
            hydraOut.append(line.trimmingCharacters(in: .whitespaces))
            refs.append(ref)
        }
        let seconds = Date().timeIntervalSince(start)
        for (src, _) in sample {
            wordOut.append(
                wordByWord(
                    src, pipeline: pipeline, table: table, trainCorpus: trainCorpus, source: source, target: target))
        }
        return Outcome(
            hydraChrF: try chrf.corpusScore(hypotheses: hydraOut, references: refs),
            wordByWordChrF: try chrf.corpusScore(hypotheses: wordOut, references: refs),
            verses: sample.count, hydraSeconds: seconds,
            lines: sample.indices.map { (sample[$0].0, sample[$0].1, hydraOut[$0], wordOut[$0]) })
    }
}
