import ArgumentParser
import ControlAPI
import Engine
import Entities
import Foundation

struct WorkspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace",
        abstract: "Manage workspaces (a source model, a target tokenizer and watched folders).",
        subcommands: [Create.self, List.self, SetRemote.self, RetrainTokenizer.self, Rebuild.self, Delete.self])

    struct SetRemote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-remote",
            abstract: "Sync a workspace's checkpoints to a remote, starting now (or stop with --none).",
            discussion: """
                The newest checkpoint is queued at once; later ones follow as they are written. Uploads go under \
                the remote's URL/WORKSPACE/. The choice is kept across restarts (the config file's `remote` does \
                not override it).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Workspace.") var workspace: String
        @Argument(help: "Remote name (see `transtok remote list`).") var remote: String?
        @Flag(help: "Stop syncing this workspace.") var none = false

        func validate() throws {
            guard (remote != nil) != none else {
                throw ValidationError(none ? "give a remote or --none, not both" : "give a remote name, or --none")
            }
        }

        func run() async throws {
            let (workspace, remote) = (workspace, remote)
            let status = try await global.call { client throws(ControlClientError) in
                try client.setWorkspaceRemote(workspace: workspace, remote: remote)
            }
            try global.output(status) {
                status.remote.map { "workspace \(status.name) syncs to \($0); follow it with `transtok sync status`" }
                    ?? "workspace \(status.name) no longer syncs"
            }
        }
    }

    struct RetrainTokenizer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retrain-tokenizer",
            abstract: "Train a new version of the target tokenizer from the current corpus (invalidates every row).",
            discussion: "The next refresh realigns the whole corpus with the new tokenizer and writes a new checkpoint."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Workspace (default: the only one).") var name: String?

        func run() async throws {
            let workspace = name
            let reply = try await global.call { client throws(ControlClientError) in
                try client.retrainTokenizer(workspace: workspace)
            }
            try global.output(reply) {
                "retraining the target tokenizer of \(reply.workspace ?? "?"); follow it with `transtok status`"
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a workspace in the running daemon.",
            discussion: """
                The model, tokenizer and folders are checked before anything is saved. On an existing name the \
                request must be identical (otherwise it is refused, naming the setting): change a model or \
                tokenizer with `transtok workspace rebuild`, the remote with `transtok workspace set-remote`.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Workspace name (letters, digits, '-', '_', '.').") var name: String
        @Option(name: .customLong("source-language"), help: "Source language code, e.g. en.") var sourceLanguage: String
        @Option(name: .customLong("target-language"), help: "Target language code, e.g. tt.") var targetLanguage: String
        @Option(help: "Source model: a .gguf file or a Hugging Face model directory.") var model: String
        @Option(
            name: .customLong("target-tokenizer"), help: "Target tokenizer.json (omit to train one from the corpus).")
        var targetTokenizer: String?
        @Option(name: .customLong("watch"), help: "A folder of parallel text to watch (repeatable).") var watch:
            [String] = []
        @Option(
            name: .customLong("monolingual"),
            help: "A folder of target-language text for tokenizer training (repeatable).")
        var monolingual: [String] = []
        @Option(help: "Remote to sync checkpoints to (see `transtok remote list`); syncing starts at once.")
        var remote: String?
        @Flag(name: .customLong("create-dirs"), help: "Create watched folders that do not exist (otherwise refused).")
        var createDirs = false
        @Option(help: "Float dtype of the checkpoints (default auto: the source's; BF16 for a quantised GGUF).")
        var dtype: OutputDType?
        @Option(
            help:
                "Incremental aligner: ibm2 (default) or ibm2-hmm (the table refined by an HMM at each refresh: better alignments, slower cycles)."
        )
        var aligner: IncrementalAlignerModel?
        @Option(
            name: .customLong("tune-seconds-per-cycle"),
            help:
                "CPU seconds of embedding tuning after each refresh cycle (the new rows train on the target text in the background; 0 = off, the default)."
        )
        var tuneSecondsPerCycle: Double?

        func validate() throws {
            if let budget = tuneSecondsPerCycle, !(budget >= 0 && budget.isFinite) {
                throw ValidationError("--tune-seconds-per-cycle must be a number of CPU seconds ≥ 0")
            }
        }

        func run() async throws {
            func absolute(_ path: String) -> String {
                URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                    .standardizedFileURL.path
            }
            let request = WorkspaceRequest(
                WorkspaceSpec(
                    name: name, sourceLanguage: sourceLanguage, targetLanguage: targetLanguage,
                    sourceModel: absolute(model),
                    targetTokenizer: targetTokenizer.map(absolute), parallelDirectories: watch.map(absolute),
                    monolingualDirectories: monolingual.map(absolute), remote: remote, outputDType: dtype,
                    aligner: aligner, tuneSecondsPerCycle: tuneSecondsPerCycle),
                createDirectories: createDirs)
            let workspace = try await global.call { client throws(ControlClientError) in
                try client.createWorkspace(request)
            }
            try global.output(workspace) { "workspace \(workspace.name) ready" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the daemon's workspaces.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOptions

        func run() async throws {
            let workspaces = try await global.call { client throws(ControlClientError) in try client.workspaces() }
            try global.output(workspaces) {
                let rows = workspaces.map { w in
                    [
                        w.name, "\(w.sourceLanguage)→\(w.targetLanguage)", "\(w.counts.pairs)",
                        "\(w.counts.checkpoints)", w.remote ?? "-", w.sourceModel,
                    ]
                }
                return list.render(
                    Table(["NAME", "LANGUAGES", "PAIRS", "CHECKPOINTS", "REMOTE", "MODEL"], rows: rows),
                    empty: "no workspaces (create one with `transtok workspace create`)")
            }
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change the source model, target tokenizer or aligner of a workspace and rebuild its alignment.",
            discussion: """
                The explicit way to change what a workspace was built from (the config file and `workspace create` \
                never do). The new files are checked first; then the alignment is forgotten, the next refresh \
                realigns the whole corpus and writes a new checkpoint (older checkpoints keep their files). Without \
                options, the alignment is rebuilt with the current settings.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Workspace.") var name: String
        @Option(help: "Another source model: a .gguf file or a Hugging Face model directory.") var model: String?
        @Option(name: .customLong("target-tokenizer"), help: "Another target tokenizer.json.") var targetTokenizer:
            String?
        @Flag(name: .customLong("retrain-tokenizer"), help: "Train a new target tokenizer version from the corpus.")
        var retrainTokenizer = false
        @Option(help: "Another incremental aligner: ibm2 or ibm2-hmm.") var aligner: IncrementalAlignerModel?

        func validate() throws {
            if retrainTokenizer, targetTokenizer != nil {
                throw ValidationError("give --target-tokenizer or --retrain-tokenizer, not both")
            }
        }

        func run() async throws {
            func absolute(_ path: String) -> String {
                URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                    .standardizedFileURL.path
            }
            let name = name
            let body = WorkspaceRebuildRequest(
                sourceModel: model.map(absolute), targetTokenizer: targetTokenizer.map(absolute),
                retrainTokenizer: retrainTokenizer ? true : nil, aligner: aligner)
            let workspace = try await global.call { client throws(ControlClientError) in
                try client.rebuildWorkspace(name, body)
            }
            try global.output(workspace) { "rebuilding workspace \(workspace.name); follow it with `transtok status`" }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a workspace and delete its rows, checkpoints and state (never its watched folders).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Workspace.") var name: String

        func run() async throws {
            let name = name
            let result = try await global.call { client throws(ControlClientError) in try client.deleteWorkspace(name) }
            try global.output(result) { "workspace \(result.name) deleted (its watched folders are untouched)" }
        }
    }
}
