import ArgumentParser
import ControlAPI
import Foundation

struct RefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh", abstract: "Run a refresh cycle now (align → map → refresh rows → checkpoint).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let workspace = workspace
        let reply = try await global.call { client throws(ControlClientError) in
            try client.refresh(workspace: workspace)
        }
        try global.output(reply) { "refresh of \(reply.workspace ?? "?") requested; follow it with `transtok status`" }
    }
}

struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "List a workspace's local checkpoints.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var list: ListOptions
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let workspace = workspace
        let checkpoints = try await global.call { client throws(ControlClientError) in
            try client.checkpoints(workspace: workspace)
        }
        try global.output(checkpoints) {
            let rows = checkpoints.map { c in
                [
                    "\(c.number)", c.createdAt.formatted(.iso8601), "\(c.pairs)", formatBytes(c.sizeBytes), c.path,
                ]
            }
            return list.render(
                Table(["NUMBER", "CREATED", "PAIRS", "SIZE", "PATH"], rows: rows), empty: "no checkpoints yet")
        }
    }
}

struct LookupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup", abstract: "Lexical translations of a word from the current alignment tables.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var list: ListOptions
    @Argument(help: "A word of the source language (or of the target language with --reverse).") var word: String
    @Flag(help: "Look up a target-language word.") var reverse = false
    @Option(help: "How many translations (\(LookupQuery.limits.lowerBound)…\(LookupQuery.limits.upperBound)).")
    var limit = 5
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func validate() throws {
        guard LookupQuery.limits.contains(limit) else {
            throw ValidationError("--limit must be \(LookupQuery.limits.lowerBound)…\(LookupQuery.limits.upperBound)")
        }
    }

    func run() async throws {
        let query = LookupQuery(word: word, reverse: reverse, limit: limit, workspace: workspace)
        let result = try await global.call { client throws(ControlClientError) in try client.lookup(query) }
        try global.output(result) {
            let rows = result.translations.map { t in
                [t.text, String(format: "%.3f", t.probability), String(format: "%.1f", t.count)]
            }
            return list.render(
                Table(["TRANSLATION", "PROBABILITY", "COUNT"], rows: rows),
                empty: "no translations of \(result.word) yet")
        }
    }
}

struct TranslateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Zero-shot translation with the workspace's newest checkpoint (Hydra), streamed as it is generated.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Text in the source language.") var text: String
    @Option(
        help:
            "Beam width: 1 = source-paced decoding (the model reads the text word by word and renders each word: the default); more = beam search over free generation."
    ) var beams = 1
    @Option(name: .customLong("max-tokens"), help: "Maximum tokens to generate.") var maxTokens = 128
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let request = TranslateRequest(workspace: workspace, text: text, beams: beams, maxTokens: maxTokens)
        // Streaming: no overall time limit. An error reply throws before anything reaches stdout.
        try await global.call(timeoutSeconds: 0) { client throws(ControlClientError) in
            try client.translate(request) { chunk in FileHandle.standardOutput.write(Data(chunk)) }
        }
        print("")
    }
}
