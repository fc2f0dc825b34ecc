import ArgumentParser
import ControlAPI
import Foundation

struct RefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh", abstract: "Run a refresh cycle now (align → map → refresh rows → checkpoint).")
    @OptionGroup var connection: DaemonConnectionOptions
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let client = connection.client()
        let (reply, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("POST", "/v1/refresh", body: RefreshRequest(workspace: workspace), as: RefreshRequest.self)
        }
        print("refresh of \(reply.workspace ?? "?") requested; follow it with `transtok status`")
    }
}

struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoints", abstract: "List a workspace's local checkpoints.")
    @OptionGroup var connection: DaemonConnectionOptions
    @Option(help: "Workspace (default: the only one).") var workspace: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = connection.client()
        let path = "/v1/checkpoints" + (workspace.map { "?workspace=\($0)" } ?? "")
        let (list, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("GET", path, as: [CheckpointStatus].self)
        }
        if json { try printJSON(list); return }
        if list.isEmpty { print("no checkpoints yet"); return }
        for c in list {
            let date = Date(timeIntervalSince1970: c.createdAt).formatted(.iso8601)
            print("\(c.number)\t\(date)\t\(c.pairs) pairs\t\(c.sizeBytes / 1_048_576) MiB\t\(c.path)")
        }
    }
}

struct LookupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup", abstract: "Lexical translations of a word from the current alignment tables.")
    @OptionGroup var connection: DaemonConnectionOptions
    @Argument(help: "A word of the source language (or of the target language with --reverse).") var word: String
    @Flag(help: "Look up a target-language word.") var reverse = false
    @Option(help: "How many translations.") var limit = 5
    @Option(help: "Workspace (default: the only one).") var workspace: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var query = "word=\(word.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? word)&limit=\(limit)"
        if reverse { query += "&reverse=1" }
        if let workspace { query += "&workspace=\(workspace)" }
        let client = connection.client()
        let path = "/v1/lookup?" + query
        let (result, _) = try await callDaemon { () throws(ControlClientError) in
            try client.call("GET", path, as: LookupResult.self)
        }
        if json { try printJSON(result); return }
        if result.translations.isEmpty { print("no translations of \(word) yet"); return }
        for t in result.translations {
            print(String(format: "%-24@ p=%.3f  count=%.1f", t.text as NSString, t.probability, t.count))
        }
    }
}

struct TranslateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Zero-shot translation with the workspace's newest checkpoint (Hydra), streamed as it is generated.")
    @OptionGroup var connection: DaemonConnectionOptions
    @Argument(help: "Text in the source language.") var text: String
    @Option(help: "Beam width (the Hydra model cards recommend beams).") var beams = 1
    @Option(name: .customLong("max-tokens"), help: "Maximum tokens to generate.") var maxTokens = 128
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let client = ControlClient(socketPath: connection.socketPath, timeoutSeconds: 0)  // streaming: no overall limit
        let body = Array(try JSONEncoder().encode(
            TranslateRequest(workspace: workspace, text: text, beams: beams, maxTokens: maxTokens)))
        let reply = try await callDaemon { () throws(ControlClientError) in
            try client.send(method: "POST", path: "/v1/stream/translate", body: body) { chunk in
                FileHandle.standardOutput.write(Data(chunk))
            }
        }
        print("")
        // An error reply's JSON body has been streamed to stdout above; say what it was on stderr as well.
        guard reply.status == 200 else {
            printError("transtok: translation failed (HTTP \(reply.status))")
            throw ExitCode.failure
        }
    }
}
