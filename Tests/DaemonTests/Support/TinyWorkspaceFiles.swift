import Foundation

/// The files of a one-workspace `transtokd` on the tiny model: workspace `ws` (en → es) watching `incoming/`, a
/// trained target tokenizer, fast refresh settings with one checkpoint kept, and Bible pairs to drop in as TSV files.
/// `sourceModel` names another source model (e.g. a committed GGUF fixture) instead of the tiny Llama directory.
struct TinyWorkspaceFiles {
    let folder: String, model: String, config: String, targetTokenizer: String
    let corpus: [(source: String, target: String)]

    init(root: String, pairs: Int, sourceModel: String? = nil) throws {
        folder = root + "/incoming"
        model = sourceModel ?? root + "/model"
        config = root + "/config.json"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if sourceModel == nil { try TinyModel.write(to: model) }
        let tokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        targetTokenizer = tokenizer
        try """
        {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1, "blas_threads": 1,
         "keep_checkpoints": 1,
         "workspaces": [{"name": "ws", "source_language": "en", "target_language": "es", "source_model": "\(model)",
           "target_tokenizer": "\(tokenizer)", "parallel_dirs": ["\(folder)"]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        corpus = try RefreshCrashLoopTests.bibleCorpus(count: pairs)
    }

    /// Writes `corpus[range]` as the TSV file `name` in the watched folder.
    func drop(_ name: String, _ range: Range<Int>) throws {
        try (corpus[range].map { "\($0.source)\t\($0.target)" }.joined(separator: "\n") + "\n")
            .write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }
}
