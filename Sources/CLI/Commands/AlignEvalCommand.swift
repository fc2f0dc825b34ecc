import ArgumentParser
import Engine
import Foundation

struct AlignEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align-eval",
        abstract: "Precision, recall and AER of a Pharaoh alignment against gold links (i-j sure, i?j possible).",
        discussion: "Lines whose gold line is empty are skipped."
    )

    @Option(help: "Gold links, one line per sentence pair.") var gold: String
    @Option(help: "Hypothesis links (Pharaoh), line-parallel to --gold.") var hypothesis: String
    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        var precision: Double
        var recall: Double
        var aer: Double
        var scoredLines: Int
        var hypothesisLinks: Int
        var sureLinks: Int
    }

    func run() throws {
        let g = try GoldAlignment(contentsOf: gold)
        let h = try AlignmentEvaluation.readPharaoh(hypothesis)
        let s = try AlignmentEvaluation.score(gold: g, hypothesis: h)
        let report = Report(
            precision: s.precision, recall: s.recall, aer: s.aer, scoredLines: s.scoredLines,
            hypothesisLinks: s.hypothesisLinks, sureLinks: s.sureLinks)
        try global.output(report) {
            String(format: "precision\t%.4f\nrecall\t%.4f\nAER\t%.4f\n", s.precision, s.recall, s.aer)
                + "scored lines \(s.scoredLines), hypothesis links \(s.hypothesisLinks), sure gold links \(s.sureLinks)"
        }
    }
}
