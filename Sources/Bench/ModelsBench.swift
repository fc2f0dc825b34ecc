import ArgumentParser
import Engine
import Foundation
import Systems

/// `transtok-bench models`: random-weight models with the exact tensor shapes of real ones, run through what a user
/// runs, beside the ideal measured in the same run. Shapes:
/// - `llama3-8b`: Llama-3-8B, BF16 safetensors sharded greedily at 5 GB in state-dict order as `save_pretrained`
///   does; the body is written sparsely (zero holes, nothing on disk), the embedding and head hold random BF16 values;
/// - `qwen2.5-7b`: Qwen2.5-7B as a GGUF with llama.cpp's Q4_K_M type mix (Q4_K, Q6_K for the head and for attn_v and
///   ffn_down in 14 of 28 layers), random block bytes, written by `scripts/bench/make_qwen25_7b_q4km.py`.
/// Steps per shape: `transtok transfer`, one daemon workspace to its first and second checkpoint (disk written per
/// output vs the bytes of the changed tables; peak RssAnon vs 2 × (source + target tables in F32) + 1 GiB), and
/// `transtok generate` of 32 tokens on 2 threads: decode tokens/s vs the bandwidth bound (weight bytes read per
/// token ÷ the streaming read bandwidth measured just before), prefill tokens/s and GFLOP/s vs OpenBLAS peak sgemm
/// measured just before, peak RssAnon. Each shape's files are deleted before the next is generated.
struct ModelsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Transfer, daemon checkpoints and generate on Llama-3-8B (BF16) and Qwen2.5-7B (Q4_K_M GGUF) shapes.")

    @Option(
        help:
            "Scratch directory (deleted at the end unless --keep; needs ~7 GB for llama3-8b (sparse body), ~5 GB + 2 × 15 GB for qwen2.5-7b's transfer and daemon BF16 bodies)."
    )
    var scratch = NSTemporaryDirectory() + "transtok-bench-models"
    @Option(help: "Parallel corpus (TSV, gzip).") var corpus = "data/en-es-bible/bible.en-es.tsv.gz"
    @Option(help: "Source tokenizer written into the models (any byte-level BPE tokenizer.json with ≤ 128,256 tokens).")
    var sourceTokenizer = "Tests/EngineTests/Fixtures/tokenizers/smollm2.tokenizer.json.gz"
    @Option(help: "Target tokenizer.") var targetTokenizer =
        "Tests/EngineTests/Fixtures/tokenizers/trained-sentencepiece-bpe.tokenizer.json.gz"
    @Option(help: "Sentence pairs given to transfer and to the daemon (half for each checkpoint).") var pairs = 2_000
    @Option(help: "Shapes, comma-separated: llama3-8b, qwen2.5-7b.") var shapes = "llama3-8b,qwen2.5-7b"
    @Option(help: "Steps, comma-separated: transfer, daemon, generate.") var steps = "transfer,daemon,generate"
    @Option(help: "Tokens `generate` produces.") var generateTokens = 32
    @Option(help: "Bible verses in the `generate` prompt (its prefill).") var promptVerses = 3
    @Option(help: "Threads for `generate` and the machine probes.") var threads = 2
    @Flag(help: "Keep the scratch directory.") var keep = false

    // Llama-3-8B.
    static let hidden = 4096, intermediate = 14_336, layers = 32, heads = 32, kvHeads = 8, vocab = 128_256
    // Qwen2.5-7B.
    static let qwenHidden = 3584, qwenVocab = 152_064

    struct Context {
        var bin: String, scratch: String, target: String, targetVocabulary: Int, lines: [String]
    }

    func run() async throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .path
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(atPath: scratch) } }
        let target = scratch + "/target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try Data(try Gzip.decompress(Data(contentsOf: URL(fileURLWithPath: targetTokenizer)))).write(
            to: URL(fileURLWithPath: target + "/tokenizer.json"))
        let targetVocabulary = try Tokenizer(contentsOf: URL(fileURLWithPath: target + "/tokenizer.json"))
            .vocabularySize
        let lines = try Data(try Gzip.decompress(Data(contentsOf: URL(fileURLWithPath: corpus))))
            .split(separator: UInt8(ascii: "\n")).prefix(pairs).map { String(decoding: $0, as: UTF8.self) }
        let fields = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false) }.filter { $0.count == 2 }
        try fields.map { String($0[0]) }.joined(separator: "\n").write(
            toFile: scratch + "/en.txt", atomically: true, encoding: .utf8)
        try fields.map { String($0[1]) }.joined(separator: "\n").write(
            toFile: scratch + "/es.txt", atomically: true, encoding: .utf8)
        let context = Context(
            bin: bin, scratch: scratch, target: target, targetVocabulary: targetVocabulary, lines: lines)
        let prompt = fields.prefix(max(1, promptVerses)).map { String($0[0]) }.joined(separator: " ")
        let wanted = Set(steps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        print("transtok-bench models: \(Self.machine())")
        print(
            "    command: transtok-bench models --shapes \(shapes) --steps \(steps) --pairs \(pairs) --generate-tokens \(generateTokens) --threads \(threads)"
        )

        for shape in shapes.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let model: String, hidden: Int, vocab: Int, linksShards: Bool
            let clock = Date()
            switch shape {
            case "llama3-8b":
                model = scratch + "/llama3-8b-shape"
                let shards = try Self.generate(into: model, tokenizer: sourceTokenizer)
                print(
                    "== Llama-3-8B shapes, BF16, \(shards) shards (5 GB, state-dict order), generated in \(String(format: "%.1f", Date().timeIntervalSince(clock))) s"
                )
                (hidden, vocab, linksShards) = (Self.hidden, Self.vocab, true)
            case "qwen2.5-7b":
                model = scratch + "/qwen2.5-7b-shape.Q4_K_M.gguf"
                let script = try PeakAnon.run([
                    "/usr/bin/env", "python3", "scripts/bench/make_qwen25_7b_q4km.py", model,
                    sourceTokenizer,
                ])
                guard script.status == 0 else {
                    throw ValidationError("make_qwen25_7b_q4km.py failed:\n\(script.output.suffix(2000))")
                }
                print(
                    "== Qwen2.5-7B shapes, Q4_K_M mix, GGUF \(Self.mib(Self.fileSize(model))) MiB, generated in \(String(format: "%.1f", Date().timeIntervalSince(clock))) s: \(script.output.trimmingCharacters(in: .whitespacesAndNewlines))"
                )
                print("    command: python3 scripts/bench/make_qwen25_7b_q4km.py \(model) \(sourceTokenizer)")
                (hidden, vocab, linksShards) = (Self.qwenHidden, Self.qwenVocab, false)
            default:
                throw ValidationError("unknown shape '\(shape)' (llama3-8b, qwen2.5-7b)")
            }
            // Ideal: the changed tables (embedding + untied head) in BF16; the memory bound of the issue.
            let changedBytes = 2 * targetVocabulary * hidden * 2
            let boundBytes = 2 * (2 * vocab * hidden * 4 + 2 * targetVocabulary * hidden * 4) + (1 << 30)
            print(
                "  changed tables (embedding + head, \(targetVocabulary) × \(hidden), BF16): \(Self.mib(changedBytes)) MiB;"
                    + " memory bound 2 × (source + target tables, F32) + 1 GiB = \(Self.mib(boundBytes)) MiB")
            if wanted.contains("transfer") {
                try transfer(
                    model: model, context, linksShards: linksShards, changedBytes: changedBytes, boundBytes: boundBytes)
            }
            if wanted.contains("daemon") {
                try daemon(model: model, context, changedBytes: changedBytes, boundBytes: boundBytes)
            }
            if wanted.contains("generate") {
                try generate(model: model, context, prompt: prompt)
            }
            try? FileManager.default.removeItem(atPath: model)
        }
    }

    /// Load average, CPU count and the fused kernels in use.
    static func machine() -> String {
        var load = [Double](repeating: 0, count: 3)
        _ = getloadavg(&load, 3)
        return String(
            format: "load average %.1f %.1f %.1f, %d CPUs, fused kernels %@, OpenBLAS %@", load[0], load[1], load[2],
            ProcessInfo.processInfo.activeProcessorCount,
            Throughput.fusedKernelsVectorized ? "AVX2+FMA+F16C" : "portable",
            BLAS.configuration)
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
    }

    func transfer(model: String, _ c: Context, linksShards: Bool, changedBytes: Int, boundBytes: Int) throws {
        let clock = Date()
        let out = c.scratch + "/transfer-out"
        let command =
            [
                "transfer", "--model", model, "--target-tokenizer", c.target + "/tokenizer.json",
                "--source-text", c.scratch + "/en.txt", "--target-text", c.scratch + "/es.txt", "--output", out,
            ]
            + (linksShards ? ["--link-source-shards"] : [])
        let transfer = try PeakAnon.run([c.bin + "/transtok"] + command)
        guard transfer.status == 0 else {
            throw ValidationError("transtok transfer failed:\n\(transfer.output.suffix(2000))")
        }
        let written = try Self.ownBytes(out)
        print(
            String(
                format:
                    "  transfer: %.1f s, disk written %d MiB (%.2f × the changed tables; %@), peak RssAnon %d MiB (bound %d MiB)",
                Date().timeIntervalSince(clock), Self.mib(written), Double(written) / Double(changedBytes),
                linksShards
                    ? "includes splitting the shards that mix tables and body"
                    : "includes the body converted to BF16 once",
                transfer.peakAnonKiB / 1024, Self.mib(boundBytes)))
        print("    command: transtok " + command.joined(separator: " "))
        try? FileManager.default.removeItem(atPath: out)
    }

    func daemon(model: String, _ c: Context, changedBytes: Int, boundBytes: Int) throws {
        let incoming = c.scratch + "/incoming", state = c.scratch + "/state"
        try? FileManager.default.removeItem(atPath: incoming)
        try? FileManager.default.removeItem(atPath: state)
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        try """
        {"socket": "\(c.scratch)/d.sock", "state_dir": "\(state)", "debounce_seconds": 0.05, "refresh_debounce_seconds": 0,
         "min_new_pairs": 1, "blas_threads": 2,
         "workspaces": [{"name": "bench", "source_language": "en", "target_language": "es", "source_model": "\(model)",
           "target_tokenizer": "\(c.target)/tokenizer.json", "parallel_dirs": ["\(incoming)"]}]}
        """.write(toFile: c.scratch + "/config.json", atomically: true, encoding: .utf8)
        let daemon = try PeakAnon.start(
            [c.bin + "/transtokd", "--config", c.scratch + "/config.json"], log: c.scratch + "/daemon.log")
        defer {
            daemon.stop()
            try? FileManager.default.removeItem(atPath: state)
        }
        let half = c.lines.count / 2
        let checkpoints = state + "/checkpoints/bench"
        var previousBase = 0
        for (round, slice) in [c.lines[0..<half], c.lines[half...]].enumerated() {
            let clock = Date()
            try (slice.joined(separator: "\n") + "\n").write(
                toFile: incoming + "/part\(round).tsv", atomically: true, encoding: .utf8)
            let manifest = checkpoints + String(format: "/%06d/manifest.json", round + 1)
            try daemon.wait(for: manifest, timeout: 1800)
            let directory = (manifest as NSString).deletingLastPathComponent
            let written = try Self.ownBytes(directory)
            let base = try Self.allocatedBytes(state + "/workspaces/bench/base") {
                $0.hasPrefix(CheckpointLayout.baseWeightsBaseName)
            }
            print(
                String(
                    format:
                        "  daemon checkpoint %d: %.1f s after the file landed, disk written %d MiB (%.2f × the changed tables), base weights (model-base*) %d MiB%@, daemon peak RssAnon so far %d MiB (bound %d MiB)",
                    round + 1, Date().timeIntervalSince(clock), Self.mib(written),
                    Double(written) / Double(changedBytes),
                    Self.mib(base),
                    round == 0 ? " (once per workspace)" : (base == previousBase ? " (unchanged)" : " (CHANGED)"),
                    daemon.peakAnonKiB / 1024, Self.mib(boundBytes)))
            previousBase = base
        }
        print(
            "    command: transtokd --config \(c.scratch)/config.json (one workspace on the model; two parallel files)")
    }

    /// `transtok generate` on `threads` threads, beside the machine's limits measured just before.
    func generate(model: String, _ c: Context, prompt: String) throws {
        BLAS.setThreads(threads)
        let loaded = try ModelLoader.load(path: model) // mapped: for the bytes and FLOPs only
        let bytesPerToken = Double(loaded.model.bytesReadPerToken)
        print("  machine just before generate: \(Self.machine())")
        let bandwidth = Throughput.readBandwidth(threads: threads)
        let peak = Throughput.sgemmRate()
        print(
            String(
                format:
                    "  streaming read bandwidth (%d threads, 1 GiB) %.2f GB/s; weights read per decoded token %.0f MB → bound %.2f tokens/s; peak sgemm (%d threads) %.1f GFLOP/s",
                threads, bandwidth / 1e9, bytesPerToken / 1e6, bandwidth / bytesPerToken, threads, peak / 1e9))
        let command = [
            "generate", "--model", model, "--prompt", prompt, "--no-chat", "--max-tokens", "\(generateTokens)",
            "--threads", "\(threads)", "--verbose",
        ]
        let run = try PeakAnon.run([c.bin + "/transtok"] + command)
        guard run.status == 0 else { throw ValidationError("transtok generate failed:\n\(run.output.suffix(2000))") }
        // "prompt P tokens in S s; N tokens in T s (R tokens/s); reason"
        guard let line = run.output.split(separator: "\n").last(where: { $0.hasPrefix("prompt ") }) else {
            throw ValidationError("transtok generate printed no timing line:\n\(run.output.suffix(2000))")
        }
        let numbers = line.split(whereSeparator: { " ;()".contains($0) }).compactMap { Double($0) }
        guard numbers.count >= 4 else { throw ValidationError("cannot read the timing line '\(line)'") }
        let (prompted, prefillSeconds, generated, decodeSeconds) = (numbers[0], numbers[1], numbers[2], numbers[3])
        // N generated tokens take N − 1 decode steps (the first comes from the prefill's logits).
        let decodeRate = generated > 1 ? (generated - 1) / decodeSeconds : 0
        let bound = bandwidth / bytesPerToken
        let prefillFLOPs = loaded.model.forwardFLOPs(tokens: Int(prompted))
        print(
            String(
                format:
                    "  generate: prompt %.0f tokens, prefill %.2f s = %.1f tokens/s, %.1f GFLOP/s = %.0f%% of peak sgemm; %.0f tokens, decode %.3f tokens/s = %.0f%% of the bandwidth bound (%.2f tokens/s); peak RssAnon %d MiB",
                prompted, prefillSeconds, prompted / prefillSeconds, prefillFLOPs / prefillSeconds / 1e9,
                100 * prefillFLOPs / prefillSeconds / peak, generated, decodeRate, 100 * decodeRate / bound, bound,
                run.peakAnonKiB / 1024))
        print("    command: transtok " + command.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))
        print("    \(line)")
    }

    static func mib(_ bytes: Int) -> Int { bytes / (1 << 20) }

    /// Bytes of the regular files under `directory` whose data nothing else links (st_nlink == 1), in blocks actually
    /// allocated (sparse regions excluded).
    static func ownBytes(_ directory: String) throws -> Int {
        var total = 0
        for relative in (FileManager.default.subpaths(atPath: directory) ?? []) {
            var info = stat()
            guard lstat(directory + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink == 1
            else { continue }
            total += Int(info.st_blocks) * 512
        }
        return total
    }

    /// Allocated bytes of the regular files under `directory` whose name passes `include` (links counted once each).
    static func allocatedBytes(_ directory: String, include: (String) -> Bool) throws -> Int {
        var total = 0
        for relative in (FileManager.default.subpaths(atPath: directory) ?? [])
        where include((relative as NSString).lastPathComponent) {
            var info = stat()
            guard lstat(directory + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            total += Int(info.st_blocks) * 512
        }
        return total
    }

    /// Writes config.json, tokenizer.json and the BF16 shards; returns the shard count.
    static func generate(into directory: String, tokenizer: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(try Gzip.decompress(Data(contentsOf: URL(fileURLWithPath: tokenizer)))).write(
            to: URL(fileURLWithPath: directory + "/tokenizer.json"))
        let config = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 128000,
             "eos_token_id": 128001, "hidden_act": "silu", "hidden_size": \(hidden), "initializer_range": 0.02,
             "intermediate_size": \(intermediate), "max_position_embeddings": 8192, "mlp_bias": false, "model_type": "llama",
             "num_attention_heads": \(heads), "num_hidden_layers": \(layers), "num_key_value_heads": \(kvHeads),
             "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 500000.0,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.40.0.dev0",
             "use_cache": true, "vocab_size": \(vocab)}
            """
        try config.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        let kv = kvHeads * (hidden / heads)
        var tensors: [(String, [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            tensors += [
                (p + "self_attn.q_proj.weight", [hidden, hidden]), (p + "self_attn.k_proj.weight", [kv, hidden]),
                (p + "self_attn.v_proj.weight", [kv, hidden]), (p + "self_attn.o_proj.weight", [hidden, hidden]),
                (p + "mlp.gate_proj.weight", [intermediate, hidden]),
                (p + "mlp.up_proj.weight", [intermediate, hidden]),
                (p + "mlp.down_proj.weight", [hidden, intermediate]), (p + "input_layernorm.weight", [hidden]),
                (p + "post_attention_layernorm.weight", [hidden]),
            ]
        }
        tensors += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
        // Greedy 5 GB shards in order, as `save_pretrained`.
        var shards: [[(String, [Int])]] = [[]]
        var size = 0
        for t in tensors {
            let bytes = t.1.reduce(2, *)
            if size + bytes > 5_000_000_000, !shards[shards.count - 1].isEmpty {
                shards.append([])
                size = 0
            }
            shards[shards.count - 1].append(t)
            size += bytes
        }
        var weightMap: [(String, JSONValue)] = []
        var total = 0
        for (k, shard) in shards.enumerated() {
            let name = CheckpointLayout.shardFileName(
                baseName: CheckpointLayout.weightsBaseName, index: k + 1, count: shards.count)
            var members: [(String, JSONValue)] = [("__metadata__", .object([("format", .string("pt"))]))]
            var offset = 0
            var randomRanges: [Range<Int>] = []
            for (tensor, shape) in shard {
                let bytes = shape.reduce(2, *)
                members.append(
                    (
                        tensor,
                        .object([
                            ("dtype", .string("BF16")), ("shape", .array(shape.map(JSONValue.int))),
                            ("data_offsets", .array([.int(offset), .int(offset + bytes)])),
                        ])
                    ))
                if tensor == "model.embed_tokens.weight" || tensor == "lm_head.weight" {
                    randomRanges.append(offset..<(offset + bytes))
                }
                weightMap.append((tensor, .string(name)))
                offset += bytes
            }
            total += offset
            var header = Array(JSONValue.object(members).serialized().utf8)
            while header.count % 8 != 0 { header.append(0x20) }
            let path = directory + "/" + name
            FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.write(contentsOf: withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header)
            let dataStart = 8 + header.count
            try handle.truncate(atOffset: UInt64(dataStart + offset)) // the body: a hole of zeros
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(k)
            for range in randomRanges {
                try handle.seek(toOffset: UInt64(dataStart + range.lowerBound))
                var remaining = range.count
                var chunk = [UInt8](repeating: 0, count: 1 << 24)
                while remaining > 0 {
                    let n = min(chunk.count, remaining)
                    chunk.withUnsafeMutableBytes { raw in
                        let words = raw.bindMemory(to: UInt16.self)
                        for i in 0..<(n / 2) { // BF16 of a uniform value in ±0.03
                            state = state &* 6364136223846793005 &+ 1442695040888963407
                            let v = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) * 0.03
                            words[i] = UInt16(v.bitPattern >> 16)
                        }
                    }
                    try handle.write(contentsOf: chunk[0..<n])
                    remaining -= n
                }
            }
        }
        weightMap.sort { $0.0 < $1.0 }
        let index = JSONValue.object([
            ("metadata", .object([("total_size", .int(total))])), ("weight_map", .object(weightMap)),
        ])
        try index.serialized(indent: 2).write(
            toFile: directory + "/" + CheckpointLayout.weightIndex, atomically: true, encoding: .utf8)
        return shards.count
    }
}

/// A child process whose peak RssAnon (`/proc/PID/status`) is sampled every 20 ms.
final class PeakAnon: @unchecked Sendable {
    let process = Process()
    /// The peak so far, and whether sampling has stopped.
    private let sampling = Locked((peak: 0, done: false))

    var peakAnonKiB: Int { sampling.value.peak }

    static func start(_ command: [String], log: String) throws -> PeakAnon {
        let p = PeakAnon()
        p.process.executableURL = URL(fileURLWithPath: command[0])
        p.process.arguments = Array(command.dropFirst())
        FileManager.default.createFile(atPath: log, contents: nil)
        p.process.standardOutput = FileHandle(forWritingAtPath: log)
        p.process.standardError = FileHandle(forWritingAtPath: log)
        try p.process.run()
        let pid = p.process.processIdentifier
        Thread.detachNewThread {
            while true {
                let done = p.sampling.withLock { sampling in
                    if !sampling.done { sampling.peak = max(sampling.peak, Self.anonKiB(pid)) }
                    return sampling.done
                }
                if done { return }
                usleep(20_000)
            }
        }
        p.logPath = log
        return p
    }

    var logPath = ""

    struct Result {
        var status: Int32
        var peakAnonKiB: Int
        var output: String
    }

    static func run(_ command: [String]) throws -> Result {
        let log = NSTemporaryDirectory() + "transtok-bench-models-\(getpid()).log"
        let p = try start(command, log: log)
        p.process.waitUntilExit()
        p.stop()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        return Result(status: p.process.terminationStatus, peakAnonKiB: p.peakAnonKiB, output: output)
    }

    func wait(for path: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return }
            if !process.isRunning { break }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw ValidationError("no \(path) within \(Int(timeout)) s:\n\(log.suffix(3000))")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        sampling.withLock { $0.done = true }
    }

    static func anonKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
