import ArgumentParser
import Engine
import Foundation

/// `transtok-bench runtime --model PATH`: prefill and decode tokens/s at each thread count, beside the machine's
/// limits measured in the same run (memcpy bandwidth → decode bound; OpenBLAS peak sgemm → prefill efficiency).
struct RuntimeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime", abstract: "Llama runtime: prefill/decode tokens/s vs memory-bandwidth and sgemm limits.")

    @Option(help: "GGUF model file.") var model: String = {
        let assets = ProcessInfo.processInfo.environment["TRANSTOK_ASSETS"] ?? ".assets"
        return assets + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    }()
    @Option(help: "Prompt length for prefill.") var promptTokens = 256
    @Option(help: "Tokens to decode.") var decodeTokens = 64
    @Option(help: "Thread counts to measure, comma-separated.") var threads = "1,2"
    @Option(help: "Repetitions (best is reported).") var repeats = 3

    func run() throws {
        let loaded = try ModelLoader.load(path: model)
        let m = loaded.model
        let c = m.config
        print("model \(model): \(c.layerCount) layers, hidden \(c.hiddenSize), \(c.headCount)/\(c.kvHeadCount) heads, vocab \(c.outputVocabularySize)")
        print("OpenBLAS: \(BLAS.configuration)")
        if BLAS.configuration.contains("Prescott") {
            print("warning: OpenBLAS picked its generic Prescott kernels (CPU newer than this OpenBLAS knows); "
                  + "set OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) for several times faster sgemm/sgemv")
        }
        let bytesPerToken = Double(m.bytesReadPerToken)
        let bandwidth = Throughput.copyBandwidth()
        let bound = bandwidth / bytesPerToken
        print(String(format: "weights read per decoded token: %.1f MB; memcpy bandwidth %.2f GB/s → decode bound %.1f tokens/s",
                     bytesPerToken / 1e6, bandwidth / 1e9, bound))
        var random = SeededRandom(seed: 7)
        let prompt = (0..<promptTokens).map { _ in Int(random.next() % UInt64(c.inputVocabularySize)) }
        print("threads | prefill tok/s | prefill GFLOP/s | peak sgemm GFLOP/s | prefill/peak | decode tok/s | bound tok/s | decode/bound")
        for t in threads.split(separator: ",").compactMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
            BLAS.setThreads(t)
            let peak = Throughput.sgemmRate()
            let clock = ContinuousClock()
            var prefill = Double.infinity, decode = Double.infinity
            for _ in 0..<max(1, repeats) {
                let cache = m.makeCache(capacity: promptTokens + decodeTokens + 1)
                let t0 = clock.now
                var logits = try m.forward(prompt, cache: cache)
                prefill = min(prefill, seconds(clock.now - t0))
                let t1 = clock.now
                for _ in 0..<decodeTokens {
                    logits = try m.forward([Sampler.argmax(logits.last)], cache: cache)
                }
                decode = min(decode, seconds(clock.now - t1))
            }
            let prefillRate = m.forwardFLOPs(tokens: promptTokens) / prefill
            let decodeRate = Double(decodeTokens) / decode
            print(String(format: "%7d | %13.1f | %15.2f | %18.2f | %11.0f%% | %12.1f | %11.1f | %11.0f%%",
                         t, Double(promptTokens) / prefill, prefillRate / 1e9, peak / 1e9, 100 * prefillRate / peak,
                         decodeRate, bound, 100 * decodeRate / bound))
        }
    }
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
