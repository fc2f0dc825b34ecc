import Engine
import Foundation

/// What a language pair offers a row of the quality table that is computed elsewhere (e.g. embedding tuning).
struct QualityContext {
    let pair: String
    let source: SourceModel
    /// The target tokenizer trained on the training split's target side (`tokenizerPath` is its tokenizer.json).
    let target: Tokenizer
    let tokenizerPath: String
    /// Training verse pairs (source language, target language); never the held-out books.
    let train: [(String, String)]
    /// The held-out target text that is scored (the source must not train on it).
    let evaluationText: String
    /// transtok's initialisation with the default aligner: the starting point for tuning.
    let initialEmbedding: EmbeddingMatrix
    let initialHead: EmbeddingMatrix?
    let threads: Int
    /// Language codes of the pair (the translation objective's prompt names them) and the source model's chat
    /// template (nil: the bare instruction).
    let sourceLanguage: String, targetLanguage: String
    let template: ChatTemplate?
    /// A scratch directory for this pair (removed after the run).
    let workDirectory: URL
}

/// A row source's result for one CPU budget: new tables on the source body, or a model directory (with its own
/// tokenizer.json) that `ModelLoader` opens.
enum QualityRowOutput {
    case tables(embedding: EmbeddingMatrix, head: EmbeddingMatrix?)
    case modelDirectory(String)
}

/// One more family of rows: `produce(context, cpuMinutes)` is called once per budget of `--budgets` (in increasing
/// order) and its output is scored like every other row, as `<name> @ <minutes> CPU-min`.
struct QualityRowSource {
    let name: String
    let produce: (QualityContext, Double) throws -> QualityRowOutput
}

enum QualityRowSources {
    /// Extra row sources of `transtok-bench quality`, each scored over `--budgets` in the same table as the
    /// initialisations and baselines: the tuned model (`QualityTuningSource`).
    /// With a distillation weight, the language-model-only curve and the distillation curve side by side (same
    /// initialisation, same batches, same CPU budgets).
    static func all(tuning: QualityTuningSource.Settings) -> [QualityRowSource] {
        var lm = tuning
        lm.distillation = 0
        if tuning.distillation > 0 { lm.translationEvery = 0 }
        var sources = [QualityTuningSource(settings: lm).rowSource]
        if tuning.distillation > 0 { sources.append(QualityTuningSource(settings: tuning).rowSource) }
        return sources
    }
}
