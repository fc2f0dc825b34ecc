import Engine
import Foundation

/// The Hydra model directory of a checkpoint (input table `[E_tgt ; E_src]`, head `U_tgt`, the target log-prior as the
/// head's bias), written once per checkpoint under `<state>/hydra/<workspace>/<number>` — outside the checkpoint, whose manifest is final — and the
/// workspace's older Hydra directories removed.
struct HydraExport {
    let stateDirectory: String

    /// `prior` is asked for only when the directory is written (it reads the workspace's whole text). The
    /// directory also gets the aligner's word translations (`HydraLexicon`: its forward table, every row, as
    /// `transtok lookup` reads it, with the state's unit lexicons).
    func directory(
        forCheckpoint number: Int, state: WorkspaceState, base: (any TensorFile)?, prior: () throws -> HydraPrior?
    ) throws -> String {
        let path = stateDirectory + "/hydra/\(state.spec.name)/\(CheckpointPublisher.name(for: number))"
        let url = URL(fileURLWithPath: path)
        guard !FileManager.default.fileExists(atPath: CheckpointLayout.url(CheckpointLayout.config, in: url).path)
        else { return path }
        guard let embedding = state.embedding else { throw CheckpointError("no refreshed rows yet") }
        let parent = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let bundle = try HFTokenizerBundle(targetTokenizer: state.targetTokenizerPath, tokenizer: state.target)
        try HydraWriter.write(
            to: url, config: state.model.config, source: base ?? state.model.tensors, target: embedding,
            targetHead: state.head, sourceEmbedding: state.model.embedding, tokenizer: bundle,
            dtype: state.outputDType, sourceTokenizerJSON: state.model.tokenizerJSON, prior: try prior(),
            lexicon: HydraLexicon(
                table: state.aligner.lexicalTable(beam: nil), sourceUnits: state.sourceLexicon,
                targetUnits: state.targetLexicon))
        // Older Hydra directories of this workspace are no longer needed.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        where name != url.lastPathComponent {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
        return path
    }
}
