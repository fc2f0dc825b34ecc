import ArgumentParser
import ControlAPI
import Foundation

struct FilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "List corpus files and their state (rejected ones with reason and line).")

    @OptionGroup var connection: DaemonConnectionOptions
    @Flag(help: "Only rejected files.") var rejected = false
    @Option(help: "Only this workspace.") var workspace: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var query: [String] = []
        if let workspace { query.append("workspace=\(workspace.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? workspace)") }
        if rejected { query.append("state=rejected") }
        let path = "/v1/files" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let client = connection.client()
        let (files, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("GET", path, as: [FileStatus].self)
        }
        if json { try printJSON(files); return }
        if files.isEmpty { print(rejected ? "no rejected files" : "no files"); return }
        for file in files {
            var line = "\(file.state)\t\(file.pairs)\t\(file.workspace)\t\(file.path)"
            if let reason = file.reason {
                line += "\t" + (file.line.map { "line \($0): " } ?? "") + reason
            }
            print(line)
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

    @OptionGroup var connection: DaemonConnectionOptions
    @Argument(help: "The file to ingest.") var path: String
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let client = connection.client()
        let (status, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("GET", "/v1/status", as: StatusResponse.self)
        }
        let candidates = status.workspaces.filter { workspace == nil || $0.name == workspace }
        guard candidates.count == 1, let target = candidates.first else {
            printError(workspace == nil
                ? "transtok: choose a workspace with --workspace (\(status.workspaces.map(\.name).joined(separator: ", ")))"
                : "transtok: no workspace named \(workspace!)")
            throw ExitCode.failure
        }
        guard let folder = target.watchedDirectories.first else {
            printError("transtok: workspace \(target.name) watches no folder")
            throw ExitCode.failure
        }
        let destination = try copyAtomically(path, into: folder)
        let (scan, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("POST", "/v1/scan", body: ScanRequest(workspace: target.name), as: ScanResult.self)
        }
        let (files, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("GET", "/v1/files?workspace=\(target.name)", as: [FileStatus].self)
        }
        guard let file = files.first(where: { $0.path == destination }) else {
            print("copied to \(destination) (\(scan.pairsAdded) new pairs in the workspace)")
            return
        }
        switch file.state {
        case "rejected":
            printError("rejected: \(destination)" + (file.line.map { " line \($0)" } ?? "") + ": \(file.reason ?? "?")")
            throw ExitCode.failure
        case "pending":
            print("pending: \(destination) (\(file.reason ?? "waiting"))")
        default:
            print("ingested \(destination): \(file.pairs) pairs (\(scan.pairsAdded) new in the workspace)")
        }
    }

    private func copyAtomically(_ source: String, into folder: String) throws -> String {
        let name = (source as NSString).lastPathComponent
        var destination = folder + "/" + name
        var counter = 1
        while FileManager.default.fileExists(atPath: destination) {
            let ext = (name as NSString).pathExtension
            let stem = (name as NSString).deletingPathExtension
            destination = folder + "/" + stem + "-\(counter)" + (ext.isEmpty ? "" : "." + ext)
            counter += 1
        }
        let temporary = folder + "/.\(name).\(getpid()).tmp"
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
            guard rename(temporary, destination) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination])
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            printError("transtok: cannot copy \(source) to \(folder): \((error as NSError).localizedDescription)")
            throw ExitCode.failure
        }
        return destination
    }
}
