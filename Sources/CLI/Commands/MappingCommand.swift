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

        func run() async throws {
            let view = try CheckpointMapping(directory: URL(fileURLWithPath: dir))
            let (mapping, target, source) = (view.mapping, view.target, view.source)
            guard let id = view.targetID(token) else { throw ValidationError("no target token \(token)") }
            let row = mapping.rows[id]
            print(
                "target #\(id) \(target.piece(for: id) ?? "?") \(show(target.decodedText(for: id))) — \(row.origin.rawValue)"
            )
            if row.origin == .sourceMean { print("  mean of all \(mapping.sourceVocabularySize) source rows") }
            for (s, w) in mapping[id].sorted(by: { $0.weight > $1.weight }).prefix(top) {
                print(
                    String(
                        format: "  %.4f  #%d %@ %@", w, s, (source.piece(for: s) ?? "?") as NSString,
                        show(source.decodedText(for: s)) as NSString))
            }
        }

        func show(_ s: String?) -> String {
            s.map { "\"\($0.replacingOccurrences(of: "\n", with: "\\n"))\"" } ?? "(bytes)"
        }
    }
}
