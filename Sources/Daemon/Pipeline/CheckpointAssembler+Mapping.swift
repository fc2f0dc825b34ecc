import Engine
import Foundation
import Store

extension CheckpointAssembler {
    /// The token mapping `checkpoint` was built with, when it matches this state's vocabularies; nil otherwise
    /// (logged). With tuning on (#15), the loader restores it beside the rows after a restart, so the first cycle
    /// re-initialises only the rows whose mapping changed and the others keep their tuned values.
    func restoreMapping(of checkpoint: CheckpointRecord, for state: WorkspaceState) -> TokenMapping? {
        let url = CheckpointLayout.url(CheckpointLayout.tokenMapping, in: URL(fileURLWithPath: checkpoint.path))
        do {
            let mapping = try TokenMappingFile.read(from: url)
            guard mapping.rows.count == state.target.vocabularySize,
                mapping.sourceVocabularySize == state.model.embedding.rows
            else { return nil }
            return mapping
        } catch {
            logger.warning(
                "cannot restore the token mapping of the last checkpoint; the next cycle re-initialises every row",
                metadata: ["workspace": "\(state.spec.name)", "path": "\(url.path)", "error": "\(error)"])
            return nil
        }
    }
}
