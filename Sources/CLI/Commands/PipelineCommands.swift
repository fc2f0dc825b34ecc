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
    @Option(help: "Workspace (default: the only one).") var workspace: String?

    func run() async throws {
        let workspace = workspace
        let list = try await global.call { client throws(ControlClientError) in
            try client.checkpoints(workspace: workspace)
        }
        try global.output(list) {
            if list.isEmpty { return "no checkpoints yet" }
            return list.map { c in
                let date = Date(timeIntervalSince1970: c.createdAt).formatted(.iso8601)
                return "\(c.number)\t\(date)\t\(c.pairs) pairs\t\(c.sizeBytes / 1_048_576) MiB\t\(c.path)"
            }.joined(separator: "\n")
        }
    }
}

struct LookupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup", abstract: "Lexical translations of a word from the current alignment tables.")
    @OptionGroup var global: GlobalOptions
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
            if result.translations.isEmpty { return "no translations of \(result.word) yet" }
            return result.translations.map { t in
                String(format: "%-24@ p=%.3f  count=%.1f", t.text as NSString, t.probability, t.count)
            }.joined(separator: "\n")
        }
    }
}

struct TranslateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Zero-shot translation with the workspace's newest checkpoint (Hydra), streamed as it is generated.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Text in the source language.") var text: String
    @Option(help: "Beam width (the Hydra model cards recommend beams).") var beams = 1
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
