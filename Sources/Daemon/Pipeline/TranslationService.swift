import Engine
import Foundation
import Logging
import Store

/// Hydra zero-shot translation with a workspace's newest checkpoint: the prompt goes through the source tokenizer
/// and source rows, every generated token comes from the target head. Runs on its own serial queue (one
/// translation at a time; the model is loaded once per checkpoint and cached).
final class TranslationService: @unchecked Sendable {
    private let store: Store
    private let pipeline: PipelineService
    private let logger: Logger
    private let queue = DispatchQueue(label: "transtok.translate")
    private var cached: (workspace: Int64, checkpoint: Int, model: LoadedModel, source: Tokenizer)?

    init(store: Store, pipeline: PipelineService, logger: Logger) {
        self.store = store
        self.pipeline = pipeline
        self.logger = logger
    }

    /// Streams the translation's text pieces; the stream ends when generation stops (target EOS or max tokens).
    func translate(workspaceID: Int64, text: String, beams: Int, maxTokens: Int) async throws -> AsyncThrowingStream<
        String, Error
    > {
        guard let checkpoint = try store.checkpoints(workspaceID: workspaceID).first else {
            throw DaemonAPIError(.unavailable, "no checkpoint yet: translation needs the first refresh to finish")
        }
        let hydra = try await pipeline.hydraDirectory(workspaceID: workspaceID, checkpoint: checkpoint)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: String.self)
        queue.async {
            do {
                let (model, source) = try self.load(
                    workspaceID: workspaceID, checkpoint: checkpoint.number, path: hydra.path)
                guard let target = model.tokenizer else {
                    throw CheckpointError("the Hydra directory has no tokenizer")
                }
                var options = GenerationOptions()
                options.maxTokens = maxTokens
                options.beams = beams
                _ = try HydraTranslator(model: model.model).translate(
                    text: text, sourceLanguage: HydraTranslator.languageName(hydra.sourceLanguage),
                    targetLanguage: HydraTranslator.languageName(hydra.targetLanguage), source: source, target: target,
                    template: model.chatTemplate, lexicon: model.hydraLexicon, options: options
                ) { piece in
                    if case .terminated = continuation.yield(piece) { return false } // the client went away
                    return true
                }
                continuation.finish()
            } catch {
                self.logger.error("translation failed", metadata: ["error": "\(error)"])
                continuation.finish(throwing: error)
            }
        }
        return stream
    }

    private func load(workspaceID: Int64, checkpoint: Int, path: String) throws -> (LoadedModel, Tokenizer) {
        if let cached, cached.workspace == workspaceID, cached.checkpoint == checkpoint {
            return (cached.model, cached.source)
        }
        let model = try ModelLoader.load(path: path)
        guard let source = model.sourceTokenizer else {
            throw CheckpointError("the Hydra directory has no source tokenizer")
        }
        cached = (workspaceID, checkpoint, model, source)
        return (model, source)
    }

}
