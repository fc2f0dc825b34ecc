import ArgumentParser
import Engine
import Foundation

/// `transtok mapping show TOKEN --dir DIR`: the source tokens and weights behind one target token of a transfer
/// output directory or daemon checkpoint (`CheckpointMapping`: token mapping, target and source tokenizers).
struct MappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapping", abstract: "Inspect a token mapping.",
        subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Weights of one target token (piece, decoded text or id).")
        @Argument(help: "Target token: its piece (Ġcasa), its decoded text (' casa') or #id.") var token: String
        @Option(help: "Output directory of `transtok transfer`, or a daemon checkpoint directory.") var dir: String
        @Option(help: "Show at most this many source tokens.") var top = 20
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOptions

        struct Report: Encodable {
            struct Source: Encodable {
                var id: Int
                var piece: String?
                var text: String?
                var weight: Double
            }
            var id: Int
            var piece: String?
            var text: String?
            var origin: String
            var sources: [Source]
        }

        func run() async throws {
            let view = try CheckpointMapping(directory: URL(fileURLWithPath: dir))
            let (mapping, target, source) = (view.mapping, view.target, view.source)
            guard let id = view.targetID(token) else {
                throw CLIError(
                    code: .notFound, message: "no target token \(token) in \(dir)",
                    hint: "give its piece (Ġcasa), its decoded text (' casa') or #id")
            }
            let row = mapping.rows[id]
            let sources = mapping[id].sorted(by: { $0.weight > $1.weight }).prefix(top).map { s, w in
                Report.Source(id: s, piece: source.piece(for: s), text: source.decodedText(for: s), weight: Double(w))
            }
            let report = Report(
                id: id, piece: target.piece(for: id), text: target.decodedText(for: id), origin: row.origin.rawValue,
                sources: Array(sources))
            try global.output(report) {
                var text = "target #\(id) \(report.piece ?? "?") \(show(report.text)) — \(report.origin)"
                if row.origin == .sourceMean { text += "\n  mean of all \(mapping.sourceVocabularySize) source rows" }
                let rows = sources.map {
                    [String(format: "%.4f", $0.weight), "#\($0.id)", $0.piece ?? "?", show($0.text)]
                }
                if !rows.isEmpty {
                    text +=
                        "\n" + Table(["WEIGHT", "ID", "PIECE", "TEXT"], rows: rows).render(headers: !list.noHeaders)
                }
                return text
            }
        }

        func show(_ s: String?) -> String {
            s.map { "\"\($0.replacingOccurrences(of: "\n", with: "\\n"))\"" } ?? "(bytes)"
        }
    }
}
