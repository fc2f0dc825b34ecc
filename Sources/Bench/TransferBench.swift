import ArgumentParser
import Engine
import Foundation

/// `transtok-bench transfer`: the embedding remap of a Mistral-7B-sized table (32,000 × 4,096) with both kernels
/// at 1 and 2 workers, and (with `--full`) the whole SmolLM2 → Spanish transfer on the en–es Bible.
struct TransferBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer", abstract: "Embedding remap speed; full transfer timings and peak memory.")

    @Option(help: "Target rows of the remap benchmark.") var targetRows = 32_000
    @Option(help: "Source rows of the remap benchmark.") var sourceRows = 32_000
    @Option(help: "Embedding width.") var width = 4_096
    @Option(help: "Mean nonzeros per target row of the synthetic mapping (overridden by --mapping).") var meanNonzeros =
        12.0
    @Option(help: "A token_mapping.json from `transtok transfer` whose row sizes drive the synthetic mapping.")
    var mapping: String?
    @Option(help: "Repetitions per configuration (best is reported).") var repeats = 3

    func run() throws {
        print("OpenBLAS: \(BLAS.configuration)")
        let source = syntheticMatrix(rows: sourceRows, columns: width)
        let map =
            try mapping.map { try TokenMappingFile.read(from: URL(fileURLWithPath: $0)) }.map { resized($0) }
            ?? syntheticMapping()
        let nnz = map.rows.reduce(0) { $0 + $1.sources.count }
        let meanRows = map.rows.filter { $0.origin == .sourceMean }.count
        print(
            "remap \(map.targetVocabularySize) × \(width) from \(sourceRows) source rows: \(nnz) nonzeros (\(String(format: "%.1f", Double(nnz) / Double(map.targetVocabularySize))) per row), \(meanRows) mean rows"
        )
        print(
            "(load average \(loadAverage()) on \(ProcessInfo.processInfo.activeProcessorCount) cores: CPU seconds are the figure to read)"
        )
        print("kernel       workers | best wall s | best CPU s | alloc+zero CPU s")
        for kernel in EmbeddingRemapper.Kernel.allCases {
            for workers in [1, 2] {
                let remapper = EmbeddingRemapper(kernel: kernel, parallelism: workers)
                var best = Double.infinity, bestCPU = Double.infinity, allocCPU = Double.infinity
                for _ in 0..<repeats {
                    let a0 = cpuSeconds()
                    var out = EmbeddingMatrix(zeros: map.targetVocabularySize, columns: width)
                    allocCPU = min(allocCPU, cpuSeconds() - a0)
                    let t0 = Date(), c0 = cpuSeconds()
                    try remapper.remapRows(Array(0..<map.targetVocabularySize), of: source, mapping: map, into: &out)
                    best = min(best, Date().timeIntervalSince(t0))
                    bestCPU = min(bestCPU, cpuSeconds() - c0)
                }
                print(
                    "\(kernel.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(workers)       | \(String(format: "%.3f", best))       | \(String(format: "%.3f", bestCPU))      | \(String(format: "%.3f", allocCPU))"
                )
            }
        }
        print("peak RSS \(peakResidentMegabytes()) MB")
    }

    func syntheticMatrix(rows: Int, columns: Int) -> EmbeddingMatrix {
        var x: UInt64 = 0x1234_5678
        var values = [Float](repeating: 0, count: rows * columns)
        for i in values.indices {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            values[i] = Float(Int64(bitPattern: x) >> 40) / Float(1 << 23) * 0.02
        }
        return (try? EmbeddingMatrix(rows: rows, columns: columns, values: values))
            ?? EmbeddingMatrix(zeros: rows, columns: columns)
    }

    /// Geometric row sizes with the requested mean, Zipf-like source ids (frequent source tokens are shared by
    /// many target rows, as alignment counts are), 1% mean rows.
    func syntheticMapping() -> TokenMapping {
        var x: UInt64 = 42
        func uniform() -> Double {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return (Double(x >> 11) + 0.5) / 9_007_199_254_740_992
        }
        let p = 1 / meanNonzeros
        let rows = (0..<targetRows).map { t -> TokenMapping.Row in
            if t % 100 == 99 { return .init(origin: .sourceMean, sources: [], weights: []) }
            let k = min(400, 1 + Int(log(uniform()) / log(1 - p)))
            var counts: [Int: Double] = [:]
            for _ in 0..<k {
                let s = min(sourceRows - 1, Int(pow(Double(sourceRows), uniform())) - 1)
                counts[s, default: 0] += 1 + 20 * uniform()
            }
            return TokenMapping.normalized(counts, origin: .aligned)
                ?? .init(origin: .sourceMean, sources: [], weights: [])
        }
        return TokenMapping(rows: rows, sourceVocabularySize: sourceRows)
    }

    /// A real mapping's row sizes and weights, with ids folded into the benchmark's source range.
    func resized(_ m: TokenMapping) -> TokenMapping {
        let rows = (0..<targetRows).map { t -> TokenMapping.Row in
            var r = m.rows[t % m.targetVocabularySize]
            r.sources = r.sources.map { $0 % sourceRows }
            return r
        }
        return TokenMapping(rows: rows, sourceVocabularySize: sourceRows)
    }
}

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(1).joined() ?? "?"
}

func peakResidentMegabytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024
}
