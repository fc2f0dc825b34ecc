import Engine
import Foundation
import Logging
import Store

/// A workspace's target tokenizer: the configured one, or — when none was given — one trained from the target
/// side of the corpus (plus the workspace's monolingual folders) the first time, then frozen (recorded in the
/// store; retraining is an explicit, versioned action).
struct TargetTokenizerProvisioner {
    let store: Store
    let stateDirectory: String
    let threads: Int
    let logger: Logger
    /// Fewest lines of target text a tokenizer is trained from.
    static let minimumLines = 100

    /// The path of the workspace's `tokenizer.json`, training and recording it first if needed.
    func tokenizerPath(for workspace: WorkspaceRecord) throws -> String {
        if let path = workspace.spec.targetTokenizer { return path }
        let directory =
            stateDirectory + "/workspaces/\(workspace.spec.name)/tokenizer-v\(workspace.tokenizerVersion + 1)"
        let lines = try targetText(for: workspace)
        guard lines.count >= Self.minimumLines else {
            throw CheckpointError("need at least \(Self.minimumLines) lines of target text to train a tokenizer")
        }
        logger.info(
            "training the target tokenizer",
            metadata: ["workspace": "\(workspace.spec.name)", "lines": "\(lines.count)"])
        var options = TokenizerTrainingOptions(kind: .sentencePieceBPE, vocabSize: 16_000)
        options.threads = threads
        let trained = try TokenizerTrainer.train(lines: lines, options: options)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try trained.write(to: URL(fileURLWithPath: directory))
        let path = directory + "/" + CheckpointLayout.tokenizer
        try store.setTargetTokenizer(workspaceID: workspace.id, path: path)
        return path
    }

    /// The target side of the parallel corpus, plus any monolingual target text (`monolingual_dirs`); also the
    /// text the tuning job trains on (`WorkspaceTuning`).
    func targetText(for workspace: WorkspaceRecord) throws -> [String] {
        var lines = try store.activePairs(workspaceID: workspace.id).map(\.target)
        let parser = CorpusParser()
        for directory in workspace.spec.monolingualDirectories {
            for file in CorpusController.listFiles(under: directory)
            where !(file as NSString).lastPathComponent.hasPrefix(".") {
                guard let text = try? parser.textLines(path: file) else {
                    logger.warning(
                        "monolingual file skipped (unreadable or not UTF-8 text)", metadata: ["file.path": "\(file)"])
                    continue
                }
                lines += text.filter { !$0.isEmpty }
            }
        }
        return lines
    }
}
