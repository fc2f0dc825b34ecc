import Engine
import Entities
import Foundation
import Logging
import Store

/// Builds a workspace's in-memory state from the store: the source model, the (provisioned) target tokenizer, the
/// saved alignment, the lexicons rebuilt from the active pairs, and the rows of the newest checkpoint.
struct WorkspaceStateLoader {
    let store: Store
    let workspaceID: Int64
    let stateDirectory: String
    let threads: Int
    let logger: Logger

    /// The persistence of the workspace's alignment, for its aligner model (`aligner`; a name the store holds but
    /// this build does not know is refused when the row is read, never silently replaced).
    func persistence(for spec: WorkspaceSpec) throws -> AlignmentPersistence {
        AlignmentPersistence(
            store: store, workspaceID: workspaceID, model: spec.aligner ?? .default, threads: threads, logger: logger)
    }

    func load(assembler: CheckpointAssembler) throws -> WorkspaceState {
        guard let workspace = try store.workspaces().first(where: { $0.id == workspaceID }) else {
            throw CheckpointError("workspace \(workspaceID) no longer exists")
        }
        let model = try SourceModel(path: workspace.spec.sourceModel)
        let tokenizerPath = try TargetTokenizerProvisioner(
            store: store, stateDirectory: stateDirectory, threads: threads, logger: logger
        ).tokenizerPath(for: workspace)
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))
        let transfer = try TransferPipeline(source: model.tokenizer, target: target, options: MappingOptions())
        let persistence = try persistence(for: workspace.spec)
        var state = WorkspaceState(
            spec: workspace.spec, model: model, target: target, targetTokenizerPath: tokenizerPath, transfer: transfer,
            preparedVocabularies: transfer.prepareVocabularies(), aligner: persistence.makeAligner(), appliedSeq: 0,
            generation: 0, sourceLexicon: WordUnitLexicon(), targetLexicon: WordUnitLexicon())
        guard let restored = try persistence.restore() else { return state }
        state.aligner = restored.aligner
        state.appliedSeq = restored.appliedSeq
        state.generation = restored.generation
        state.savedAlignment = restored.sizes
        // The lexicons (word unit → token ids) are derived data: rebuilt from the active pairs, not stored.
        let corpus = transfer.wordUnits(
            try store.activePairs(workspaceID: workspaceID).map { ($0.source, $0.target) }, threads: threads)
        state.sourceLexicon = corpus.sourceLexicon
        state.targetLexicon = corpus.targetLexicon
        state.renderedUnits = corpus.rendered
        if let latest = try store.checkpoints(workspaceID: workspaceID).first,
            let rows = assembler.restoreRows(of: latest, for: state)
        {
            (state.embedding, state.head) = (rows.embedding, rows.head)
            // Tuned rows (#15) survive a restart: with the mapping they were built with, the first cycle
            // re-initialises only the rows whose mapping changed. Without tuning every row is recomputed, as before.
            if workspace.spec.tuningBudget > 0 { state.mapping = assembler.restoreMapping(of: latest, for: state) }
        }
        return state
    }
}
