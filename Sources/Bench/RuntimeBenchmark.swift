import ArgumentParser
import Engine
import Foundation

/// `transtok-bench runtime --model PATH`: prefill and decode tokens/s at each thread count, beside the machine's
/// limits measured in the same run (memcpy bandwidth → decode bound; OpenBLAS peak sgemm → prefill efficiency), and
/// resident memory (anonymous vs file-backed) before and after loading. The peer, measured in the same run with
/// `--peer`, is the same GGUF dequantised once to owned F32 (the runtime before weights stayed in their stored format).
struct RuntimeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime", abstract: "Llama runtime: prefill/decode tokens/s vs memory-bandwidth and sgemm limits."
    )

    @Option(help: "GGUF model file.") var model: String = {
        let assets = ProcessInfo.processInfo.environment["TRANSTOK_ASSETS"] ?? ".assets"
        return assets + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    }()
    @Option(help: "Prompt length for prefill.") var promptTokens = 256
    @Option(help: "Tokens to decode.") var decodeTokens = 64
    @Option(help: "Thread counts to measure, comma-separated.") var threads = "1,2"
    @Option(help: "Repetitions (best is reported).") var repeats = 3
    @Flag(help: "Also measure the peer: the same GGUF dequantised once to owned F32.") var peer = false

    func run() throws {
        let before = MemoryUsage.current()
        let loaded = try ModelLoader.load(path: model)
        let after = MemoryUsage.current()
        print("memory: before load \(before), after load \(after) (weights in their stored format, mapped)")
        try measure(loaded.model, label: "stored format")
        if peer {
            let file = try GGUFFile(path: model)
            let tensors = try GGUFLlamaTensors(file)
            let divisors = file.info("rope_freqs.weight") != nil ? try file.float32("rope_freqs.weight") : nil
            let start = MemoryUsage.current()
            let f32 = try LlamaModel(
                config: try DecoderConfig(tensors.config, ropeFrequencyDivisors: divisors),
                weights: OwnedFloat32Weights(TensorFileWeights(gguf: tensors)))
            print(
                "peer memory: before load \(start), after load \(MemoryUsage.current()) (weights dequantised to owned F32)"
            )
            try measure(f32, label: "peer: owned F32")
        }
        print("memory at the end: \(MemoryUsage.current())")
    }

    private func measure(_ m: LlamaModel, label: String) throws {
        print("== \(label)")
        let c = m.config
        print(
            "model \(model): \(c.layerCount) layers, hidden \(c.hiddenSize), \(c.headCount)/\(c.kvHeadCount) heads, vocab \(c.outputVocabularySize)"
        )
        print("OpenBLAS: \(BLAS.configuration)")
        if BLAS.configuration.contains("Prescott") {
            print(
                "warning: OpenBLAS picked its generic Prescott kernels (CPU newer than this OpenBLAS knows); "
                    + "set OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) for several times faster sgemm/sgemv")
        }
        let bytesPerToken = Double(m.bytesReadPerToken)
        let bandwidth = Throughput.copyBandwidth()
        let bound = bandwidth / bytesPerToken
        print(
            String(
                format:
                    "weights read per decoded token: %.1f MB; memcpy bandwidth %.2f GB/s → decode bound %.1f tokens/s",
                bytesPerToken / 1e6, bandwidth / 1e9, bound))
        var random = SeededRandom(seed: 7)
        let prompt = (0..<promptTokens).map { _ in Int(random.next() % UInt64(c.inputVocabularySize)) }
        print(
            "threads | prefill tok/s | prefill GFLOP/s | peak sgemm GFLOP/s | prefill/peak | decode tok/s | bound tok/s | decode/bound"
        )
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
            print(
                String(
                    format: "%7d | %13.1f | %15.2f | %18.2f | %11.0f%% | %12.1f | %11.1f | %11.0f%%",
                    t, Double(promptTokens) / prefill, prefillRate / 1e9, peak / 1e9, 100 * prefillRate / peak,
                    decodeRate, bound, 100 * decodeRate / bound))
        }
    }
}

/// A weight source that lends nothing: every tensor is dequantised once to owned F32 (the benchmark's peer).
private final class OwnedFloat32Weights: WeightSource {
    let base: WeightSource
    init(_ base: WeightSource) { self.base = base }
    func shape(of name: String) -> [Int]? { base.shape(of: name) }
    func float32(_ name: String) throws -> [Float] { try base.float32(name) }
}

/// Resident memory of this process from `/proc/self/status` (Linux): anonymous and file-backed pages.
struct MemoryUsage: CustomStringConvertible {
    var anonymousKB = 0, fileKB = 0

    static func current() -> MemoryUsage {
        var m = MemoryUsage()
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return m }
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kb = Int(parts[1]) else { continue }
            if parts[0] == "RssAnon:" { m.anonymousKB = kb }
            if parts[0] == "RssFile:" { m.fileKB = kb }
        }
        return m
    }

    var description: String {
        String(format: "RssAnon %.1f MB, RssFile %.1f MB", Double(anonymousKB) / 1024, Double(fileKB) / 1024)
    }
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
