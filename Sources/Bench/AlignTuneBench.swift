import ArgumentParser
import Engine
import Foundation

/// `transtok-bench align-tune`: one training of the best model's two directions, scored with several decodings.
/// Used to choose the defaults of `--model best`; kept so the choice can be re-checked on other data.
struct AlignTuneBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align-tune", abstract: "Best-model settings: AER of decoding variants.")

    @Option var data = "../shared/data/grc-eng"
    @Option var source = "grc"
    @Option var target = "eng"
    @Option var p0 = HMMOptions().p0
    @Option var alpha = HMMOptions().alpha
    @Option var hmmIterations = HMMOptions().iterations
    @Option var threads = 1
    @Option(help: "fast_align passes of the IBM 2 initialisation.") var ibmIterations = 5

    func run() throws {
        let dir = URL(fileURLWithPath: data)
        let corpus = try CorpusReader(lowercase: true).read(
            source: dir.appendingPathComponent("corpus.\(source)").path,
            target: dir.appendingPathComponent("corpus.\(target)").path)
        let gold = try GoldAlignment(contentsOf: dir.appendingPathComponent("gold.dev.align").path)
        var hmm = HMMOptions()
        hmm.p0 = p0
        hmm.alpha = alpha
        hmm.iterations = hmmIterations
        hmm.threads = threads
        let t0 = cpuSeconds()
        var models: [HMMModel] = []
        for reverse in [false, true] {
            var o = FastAlignOptions.fastAlign
            o.reverse = reverse
            o.threads = threads
            o.iterations = ibmIterations
            let ibm = FastAlignModel(corpus: corpus, options: o)
            ibm.train()
            var h = hmm
            h.reverse = reverse
            let model = try HMMModel(initializedFrom: ibm, options: h)
            model.train()
            models.append(model)
        }
        print(
            String(
                format: "p0 %.2f alpha %.3f ibm passes %d hmm iterations %d: training CPU %.2f s", p0, alpha,
                ibmIterations, hmmIterations, cpuSeconds() - t0))
        let f = models[0].align(), r = models[1].align()
        func show(_ name: String, _ links: [[AlignmentLink]]) {
            let s = try! AlignmentEvaluation.score(gold: gold, hypothesis: links)
            print(name.padding(toLength: 28, withPad: " ", startingAt: 0) + s.description)
        }
        show("forward argmax", f)
        show("reverse argmax", r)
        show("gdfa", Symmetrizer.combine(forward: f, reverse: r, method: .growDiagFinalAnd))
        show("grow-diag-final", Symmetrizer.combine(forward: f, reverse: r, method: .growDiagFinal))
        let grids = (0..<gold.count).map { k in (models[0].posteriors(k), models[1].posteriors(k)) }
        for tau in [0.2, 0.3, 0.4, 0.5] {
            let links = grids.map { g -> [AlignmentLink] in
                var out: [AlignmentLink] = []
                for i in g.0.indices {
                    for j in g.0[i].indices where (g.0[i][j] + g.1[i][j]) / 2 >= tau { out.append(AlignmentLink(i, j)) }
                }
                return out
            }
            show(String(format: "soft average >= %.1f", tau), links)
            let grown = zip(links, zip(f, r)).map { s, fr in
                Symmetrizer.combine(forward: s + fr.0.filter { _ in false }, reverse: s, method: .intersect)
            }
            _ = grown
        }
    }
}
