import Entities
import Foundation
import Logging
import Store

/// Start-up: the config file's workspaces are applied without resetting what the daemon owns (a trained, frozen
/// target tokenizer and its version, a remote set at runtime, the alignment state). A change that conflicts with
/// the saved state (another source model, language or tokenizer) is refused and logged naming the key; the
/// workspace keeps running on its saved settings until `transtok workspace rebuild` applies the change explicitly.
enum ConfiguredWorkspaces {
    static func apply(_ workspace: WorkspaceSpec, store: Store, logger: Logger) throws {
        let result = try store.applyConfiguredWorkspace(workspace)
        for refused in result.refused {
            logger.error(
                "config change refused: it conflicts with the workspace's saved state",
                metadata: [
                    "workspace": "\(workspace.name)", "key": "\(refused.key)", "saved": "\(refused.saved)",
                    "config": "\(refused.requested)",
                    "hint": "\(rebuildHint(workspace.name, refused))",
                ])
        }
        if let kept = result.keptRemote {
            logger.warning(
                "the workspace's remote was set at runtime; the config file's remote is not applied",
                metadata: [
                    "workspace": "\(workspace.name)", "key": "remote", "saved": "\(kept.saved)",
                    "config": "\(kept.requested)",
                    "hint": "transtok workspace set-remote \(workspace.name) \(kept.requested)",
                ])
        }
        workspace.createFolders(logger: logger)
    }

    static func rebuildHint(_ name: String, _ conflict: WorkspaceConflict) -> String {
        switch conflict.key {
        case "source_model": "apply it with `transtok workspace rebuild \(name) --model \(conflict.requested)`"
        case "target_tokenizer":
            "apply it with `transtok workspace rebuild \(name) --target-tokenizer \(conflict.requested)`"
        case "aligner": "apply it with `transtok workspace rebuild \(name) --aligner \(conflict.requested)`"
        default:
            "a workspace's languages cannot change: create another workspace (or `transtok workspace delete \(name)`)"
        }
    }
}
