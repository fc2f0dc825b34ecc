import ArgumentParser
import Engine
import Foundation

/// `transtok-bench align`: fast_align-equivalent, the best model and eflomal on the same corpus, AER and CPU side by
/// side; pairs/second at 1 and 2 threads; incremental (10 batches) vs one full run.
struct AlignBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align", abstract: "Word aligners: AER, CPU seconds, pairs/s, incremental vs full.")

    @Option(help: "Folder with corpus.<src>, corpus.<tgt> and optionally gold.dev.align.") var data =
        "../shared/data/grc-eng"
    @Option(help: "Source file suffix.") var source = "grc"
    @Option(help: "Target file suffix.") var target = "eng"
    @Flag(inversion: .prefixedNo, help: "Lowercase both sides (as the README's fast_align figures).") var lowercase =
        true
    @Flag(help: "Skip eflomal even if installed.") var skipEflomal = false
    @Flag(help: "Skip the incremental comparison.") var skipIncremental = false
    @Option(help: "Threads for the AER runs.") var threads = 1
    @Flag(help: "Run only the incremental comparison.") var onlyIncremental = false
    @Option(help: "Incremental: EM passes per new batch.") var localIterations = IncrementalOptions().localIterations
    @Option(help: "Incremental: old batches re-estimated per addition.") var refreshBatches = IncrementalOptions()
        .refreshBatches
    @Option(help: "Incremental: old sentences re-estimated per added sentence (at least one batch).")
    var refreshSentencesPerAdded = IncrementalOptions().refreshSentencesPerAdded
    @Option(help: "Incremental: VB Dirichlet concentration.") var incrementalAlpha = IncrementalOptions().alpha

    func run() throws {
        let dir = URL(fileURLWithPath: data)
        let srcPath = dir.appendingPathComponent("corpus.\(source)").path,
            tgtPath = dir.appendingPathComponent("corpus.\(target)").path
        let goldPath = dir.appendingPathComponent("gold.dev.align").path
        let corpus = try CorpusReader(lowercase: lowercase).read(source: srcPath, target: tgtPath)
        let gold = FileManager.default.fileExists(atPath: goldPath) ? try GoldAlignment(contentsOf: goldPath) : nil
        print(
            "corpus \(data): \(corpus.count) pairs, \(corpus.sourceTokenCount)+\(corpus.targetTokenCount) tokens, lowercase \(lowercase)"
        )
        func aer(_ links: [[AlignmentLink]]) -> String {
            guard let gold, let s = try? AlignmentEvaluation.score(gold: gold, hypothesis: links) else {
                return "  –  "
            }
            return String(format: "%.4f", s.aer)
        }
        if onlyIncremental {
            try incremental(corpus, aer: aer)
            return
        }
        print("aligner                      | fwd AER | rev AER | gdfa AER | CPU s (both dirs + sym)")
        for model in [AlignerModel.fastalign, .best] {
            var config = WordAlignerConfiguration()
            config.model = model
            config.threads = threads
            let t0 = cpuSeconds()
            let (f, _) = try WordAligner.direction(corpus, config, reverse: false)
            let (r, _) = try WordAligner.direction(corpus, config, reverse: true)
            let g = Symmetrizer.combine(forward: f, reverse: r, method: .growDiagFinalAnd)
            let cpu = cpuSeconds() - t0
            let name = model == .fastalign ? "transtok fastalign (-d -o -v)" : "transtok best (IBM2→HMM)    "
            print("\(name) | \(aer(f))  | \(aer(r))  | \(aer(g))   | \(String(format: "%.2f", cpu))")
        }
        if !skipEflomal { try eflomal(srcPath, tgtPath, corpus: corpus, aer: aer) }
        for model in [AlignerModel.fastalign, .best] {
            var line = "pairs/s \(model.rawValue) forward:"
            for th in [1, 2] {
                var config = WordAlignerConfiguration()
                config.model = model
                config.threads = th
                let w0 = Date()
                _ = try WordAligner.direction(corpus, config, reverse: false)
                let wall = Date().timeIntervalSince(w0)
                line += String(format: "  %d thread(s) %.0f (%.2f s wall)", th, Double(corpus.count) / wall, wall)
            }
            print(line)
        }
        if !skipIncremental { try incremental(corpus, aer: aer) }
    }

    private func incremental(_ corpus: ParallelCorpus, aer: ([[AlignmentLink]]) -> String) throws {
        var options = IncrementalOptions()
        options.threads = threads
        options.localIterations = localIterations
        options.refreshBatches = refreshBatches
        options.refreshSentencesPerAdded = refreshSentencesPerAdded
        options.alpha = incrementalAlpha
        let c0 = cpuSeconds()
        let full = IncrementalAligner(options: options)
        try full.add(batch: 0, corpus)
        let fullLinks = full.align()
        let fullCPU = cpuSeconds() - c0
        let inc = IncrementalAligner(options: options)
        let batches = 10, size = (corpus.count + batches - 1) / batches
        var addCPU: [Double] = []
        for b in 0..<batches {
            let t = cpuSeconds()
            try inc.add(batch: b, corpus.slice((b * size)..<min(corpus.count, (b + 1) * size)))
            addCPU.append(cpuSeconds() - t)
        }
        let t = cpuSeconds()
        let incLinks = inc.align()
        let decodeCPU = cpuSeconds() - t
        print(
            "incremental (fast_align IBM2 -d -o -v, incremental EM, gdfa; \(localIterations) passes per new batch, at most \(refreshBatches) old batches and \(refreshSentencesPerAdded) old sentences per new one refreshed per addition):"
        )
        print(
            String(
                format: "  tension λ fwd/rev: one batch %.3f/%.3f, 10 batches %.3f/%.3f", full.tensions.forward,
                full.tensions.reverse, inc.tensions.forward, inc.tensions.reverse))
        print(
            "  one batch of all pairs: AER \(aer(fullLinks)), CPU \(String(format: "%.2f", fullCPU)) s (train + decode)"
        )
        print(
            "  10 batches added in turn: AER \(aer(incLinks)), CPU per add "
                + addCPU.map { String(format: "%.2f", $0) }.joined(separator: " ")
                + String(format: " s (total %.2f), decode all %.2f s", addCPU.reduce(0, +), decodeCPU))
        // The daemon's aligners (forward direction only, as the daemon runs them): `aligner: ibm2` alone and
        // `ibm2-hmm`, the same IBM 2 refined by an HMM over the stored corpus when the mapping reads it.
        var daemonOptions = options
        daemonOptions.reverseDirection = false
        let daemon = IncrementalAligner(options: daemonOptions)
        for b in 0..<batches { try daemon.add(batch: b, corpus.slice((b * size)..<min(corpus.count, (b + 1) * size))) }
        var hmmOptions = HMMOptions()
        hmmOptions.threads = threads
        let t1 = cpuSeconds()
        let refined = try daemon.hmmRefinement(options: hmmOptions)
        let refineCPU = cpuSeconds() - t1
        print(
            "  daemon, forward direction, 10 batches: ibm2 AER \(aer(daemon.align())), ibm2-hmm AER \(aer(refined.align()))"
                + String(format: " (HMM refinement %.2f s CPU)", refineCPU))
        let bytes = inc.serialized()
        let t2 = cpuSeconds()
        let restored = try IncrementalAligner(serialized: bytes)
        print(
            String(
                format: "  state %.1f MiB, restore %.2f s CPU, restored alignments identical: %@",
                Double(bytes.count) / 1_048_576, cpuSeconds() - t2,
                restored.align() == incLinks ? "yes" : "NO"))
        let t3 = cpuSeconds()
        try inc.retract(batch: 9)
        print(String(format: "  retract last batch: %.2f s CPU, %d pairs left", cpuSeconds() - t3, inc.sentenceCount))
    }

    private func eflomal(_ src: String, _ tgt: String, corpus: ParallelCorpus, aer: ([[AlignmentLink]]) -> String)
        throws
    {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("bench-eflomal-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let f = tmp.appendingPathComponent("fwd").path, r = tmp.appendingPathComponent("rev").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["eflomal-align", "-s", src, "-t", tgt, "-f", f, "-r", r, "--overwrite"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let c0 = childCPUSeconds()
        do { try p.run() } catch {
            print("eflomal: not runnable (\(error)); skipped")
            return
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            print("eflomal: eflomal-align exited with \(p.terminationStatus); skipped")
            return
        }
        let cpu = childCPUSeconds() - c0
        let fl = try AlignmentEvaluation.readPharaoh(f), rl = try AlignmentEvaluation.readPharaoh(r)
        let g = Symmetrizer.combine(forward: fl, reverse: rl, method: .growDiagFinalAnd)
        print(
            "eflomal 2.0 (defaults)       | \(aer(fl))  | \(aer(rl))  | \(aer(g))   | \(String(format: "%.2f", cpu)) (child CPU, both dirs)"
        )
    }
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(
        u.ru_stime.tv_usec) / 1e6
}

func childCPUSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(
        u.ru_stime.tv_usec) / 1e6
}
