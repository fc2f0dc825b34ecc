import ArgumentParser
import Engine

struct AlignEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align-eval",
        abstract: "Precision, recall and AER of a Pharaoh alignment against gold links (i-j sure, i?j possible).",
        discussion: "Lines whose gold line is empty are skipped."
    )

    @Option(help: "Gold links, one line per sentence pair.") var gold: String
    @Option(help: "Hypothesis links (Pharaoh), line-parallel to --gold.") var hypothesis: String

    func run() throws {
        let g = try GoldAlignment(contentsOf: gold)
        let h = try AlignmentEvaluation.readPharaoh(hypothesis)
        let s = try AlignmentEvaluation.score(gold: g, hypothesis: h)
        print(String(format: "precision\t%.4f\nrecall\t%.4f\nAER\t%.4f", s.precision, s.recall, s.aer))
        print("scored lines \(s.scoredLines), hypothesis links \(s.hypothesisLinks), sure gold links \(s.sureLinks)")
    }
}
