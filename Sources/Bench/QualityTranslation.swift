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
        var examples: [(source: String, reference: String, hydra: String, wordByWord: String)]
    }

    /// English names for the instruction, as `transtok translate` builds them from the workspace's language codes.
    static func languageName(_ code: String) -> String {
        Locale(identifier: "en").localizedString(forLanguageCode: code) ?? code
    }

    /// The daemon's lookup table: `IncrementalAligner` with the daemon's options (forward direction only) on the
    /// training pairs' word units, every pair kept (`beam: nil`), NULL rows dropped; per source unit the target of
    /// highest t(f|e) (lookup's first answer).
    static func lookupTable(corpus: WordUnitCorpus, threads: Int) throws -> [String: String] {
        var options = IncrementalOptions()
        options.reverseDirection = false
        options.threads = threads
        let aligner = IncrementalAligner(options: options)
        try aligner.add(batch: 1, corpus.parallelCorpus)
        var best: [String: (String, Double)] = [:]
        for row in aligner.lexicalTable(beam: nil).rows where row.source != "<eps>" && row.target != "<eps>" {
            if let b = best[row.source], b.1 >= row.logProbability { continue }
            best[row.source] = (row.target, row.logProbability)
        }
        return best.mapValues(\.0)
    }

    /// Each source word unit replaced by its lookup translation (decoded with the target tokenizer, as lookup prints
    /// it); units without one are copied (names and numbers often are the same in both languages).
    static func wordByWord(_ text: String, pipeline: TransferPipeline, table: [String: String], trainCorpus: WordUnitCorpus,
                           source: Tokenizer, target: Tokenizer) -> String {
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

    /// Greedy Hydra translation of each verse with the instruction `transtok translate` sends (no chat template:
    /// the Hydra directory the daemon writes carries none), stopped at the target EOS or at the first token whose
    /// text contains a newline (one verse in, one line out), at most 2 × source tokens + 16 new tokens.
    static func run(sample: [(String, String)], hydra: LlamaModel, source: Tokenizer, target: Tokenizer,
                    sourceLanguage: String, targetLanguage: String, pipeline: TransferPipeline, table: [String: String],
                    trainCorpus: WordUnitCorpus) throws -> Outcome {
        let translator = try HydraTranslator(model: hydra)
        var newline = Set<Int>()
        for id in 0..<target.vocabularySize where target.decodedBytes(for: id).contains(0x0A) { newline.insert(id) }
        let chrf = ChrF()
        var hydraOut: [String] = [], wordOut: [String] = [], refs: [String] = []
        var examples: [(String, String, String, String)] = []
        let start = Date()
        for (src, ref) in sample {
            var options = GenerationOptions()
            options.maxTokens = min(256, 2 * source.encodeIDs(src).count + 16)
            options.stopTokens = newline
            let (text, _) = try translator.translate(text: src, sourceLanguage: languageName(sourceLanguage), targetLanguage: languageName(targetLanguage),
                                                     source: source, target: target, template: nil, options: options)
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            hydraOut.append(line.trimmingCharacters(in: .whitespaces))
            refs.append(ref)
        }
        let seconds = Date().timeIntervalSince(start)
        for (src, _) in sample {
            wordOut.append(wordByWord(src, pipeline: pipeline, table: table, trainCorpus: trainCorpus, source: source, target: target))
        }
        for i in 0..<min(3, sample.count) { examples.append((sample[i].0, sample[i].1, hydraOut[i], wordOut[i])) }
        return Outcome(hydraChrF: try chrf.corpusScore(hypotheses: hydraOut, references: refs),
                       wordByWordChrF: try chrf.corpusScore(hypotheses: wordOut, references: refs),
                       verses: sample.count, hydraSeconds: seconds, examples: examples)
    }
}
