import ArgumentParser
import ControlAPI
import Engine
import Entities
import Foundation

struct FilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "List corpus files and their state (rejected ones with reason and line).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var list: ListOptions
    @Flag(help: "Only rejected files.") var rejected = false
    @Option(help: "Only files in this state.") var state: CorpusFileState?
    @Option(help: "Only this workspace.") var workspace: String?

    func validate() throws {
        if rejected, let state, state != .rejected {
            throw ValidationError("--rejected and --state \(state) exclude each other")
        }
    }

    func run() async throws {
        let query = FilesQuery(workspace: workspace, state: rejected ? .rejected : state)
        let files = try await global.call { client throws(ControlClientError) in try client.files(query) }
        try global.output(files) {
            let rows = files.map { file in
                [
                    "\(file.state)", "\(file.pairs)", file.workspace, file.path,
                    file.reason.map { (file.line.map { "line \($0): " } ?? "") + $0 } ?? "",
                ]
            }
            return list.render(
                Table(["STATE", "PAIRS", "WORKSPACE", "PATH", "REASON"], rows: rows),
                empty: query.state.map { "no \($0) files" } ?? "no files")
        }
    }
}

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Copy a parallel-text file into a workspace's watched folder and ingest it now.",
        discussion: """
            The file is copied atomically (temporary name, then rename) into the workspace's first watched folder,
            under its own name (with a numeric suffix if that name is taken). Formats: .tsv, .jsonl, .tmx, Moses
            pairs NAME.<src>/NAME.<tgt>, each optionally .gz.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The file to ingest.") var path: String
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let source: String
        do { source = try FileChecks.readableFile(path) } catch { throw global.report(error) }
        let status = try await global.call { client throws(ControlClientError) in try client.status() }
        let candidates = status.workspaces.filter { workspace == nil || $0.name == workspace }
        guard candidates.count == 1, let target = candidates.first else {
            throw global.report(
                workspace.map {
                    CLIError(
                        code: .notFound, message: "no workspace named \($0)", hint: "see `transtok workspace list`")
                }
                    ?? CLIError(
                        code: .invalidArgument,
                        message: status.workspaces.isEmpty
                            ? "there is no workspace yet" : "choose a workspace with --workspace",
                        hint: status.workspaces.isEmpty
                            ? "create one with `transtok workspace create`"
                            : "one of: " + status.workspaces.map(\.name).joined(separator: ", ")))
        }
        // Refuse what the daemon would ignore, before anything is copied.
        guard
            CorpusFileName.classify(
                path: source, sourceLanguage: target.sourceLanguage, targetLanguage: target.targetLanguage) != nil
        else {
            throw global.report(
                CLIError(
                    code: .invalidArgument, message: "\(path): not a corpus file format transtokd reads",
                    hint: "accepted: "
                        + CorpusFileName.accepted(
                            sourceLanguage: target.sourceLanguage, targetLanguage: target.targetLanguage)))
        }
        guard let folder = target.watchedDirectories.first else {
            throw global.report(
                CLIError(
                    code: .invalidArgument, message: "workspace \(target.name) watches no folder",
                    hint: "give it one with `transtok workspace create \(target.name) … --watch DIR`"))
        }
        let destination: String
        do { destination = try FileChecks.copyAtomically(source, into: folder) } catch { throw global.report(error) }
        let name = target.name
        let scan = try await global.call { client throws(ControlClientError) in try client.scan(workspace: name) }
        let files = try await global.call { client throws(ControlClientError) in
            try client.files(FilesQuery(workspace: name))
        }
        guard let file = files.first(where: { $0.path == destination }) else {
            throw global.report(
                CLIError(
                    code: .internal, message: "copied to \(destination), but the daemon's scan did not list it",
                    hint: "see `transtok files --workspace \(name)` in a moment"))
        }
        switch file.state {
        case .rejected:
            throw global.report(
                CLIError(
                    code: .invalidArgument,
                    message: "rejected: \(destination)" + (file.line.map { " line \($0)" } ?? "")
                        + ": \(file.reason ?? "?")"))
        case .pending:
            try global.output(file) { "pending: \(destination) (\(file.reason ?? "waiting"))" }
        default:
            try global.output(file) {
                "ingested \(destination): \(file.pairs) pairs (\(scan.pairsAdded) new in the workspace)"
            }
        }
    }
}
