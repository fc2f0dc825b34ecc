import ArgumentParser
import Engine
import Foundation

/// `transtok-bench tokenizers`: encode throughput (1 thread and all cores) and BPE training time, transtok vs
/// HF `tokenizers` (a Python subprocess in the same run, when python3 + tokenizers are installed).
struct TokenizersBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizers",
        abstract: "Encode ~10 MB of multilingual text with each tokenizer and train BPE; compare with HF tokenizers.")

    @Option(help: "Directory with *.tokenizer.json.gz (default: the committed test fixtures).")
    var tokenizers = "Tests/EngineTests/Fixtures/tokenizers"

    @Option(parsing: .upToNextOption, help: "Text files (default: the en/es Bible and the Greek NT in ../shared/data).")
    var text: [String] = []

    @Option(help: "Use at most this many MB of text.")
    var megabytes = 10

    @Option(help: "Vocabulary size for the training comparison (0 = skip training).")
    var trainVocab = 8000

    @Option(help: "python3 executable for the HF side (empty = skip).")
    var python = "python3"

    func run() throws {
        let files =
            text.isEmpty
            ? [
                "../shared/data/en-es-bible/corpus.en", "../shared/data/en-es-bible/corpus.es",
                "../shared/data/grc-eng/corpus.grc",
                "/work/shared/data/en-es-bible/corpus.en", "/work/shared/data/en-es-bible/corpus.es",
                "/work/shared/data/grc-eng/corpus.grc",
            ]
            .filter { FileManager.default.fileExists(atPath: $0) }.prefix(3).map { $0 }
            : text
        guard !files.isEmpty else { throw ValidationError("no text: pass --text FILE…") }
        // An equal-proportion prefix of every file (whole lines), so every script is represented.
        var contents = [[UInt8]]()
        for f in files {
            guard let d = FileManager.default.contents(atPath: f) else { throw ValidationError("cannot read \(f)") }
            contents.append([UInt8](d))
        }
        let total = contents.reduce(0) { $0 + $1.count }
        let limit = megabytes << 20
        var bytes = [UInt8]()
        for c in contents {
            var part = c
            if total > limit {
                let share = Int(Double(c.count) * Double(limit) / Double(total))
                part = Array(c[..<(c[..<share].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0)])
            }
            bytes += part
            if let last = bytes.last, last != 0x0A { bytes.append(0x0A) }
        }
        let lines = bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        let mb = Double(bytes.count) / 1_048_576
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("transtok-bench-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let textFile = tmp.appendingPathComponent("text.txt")
        try Data(bytes).write(to: textFile)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(
            String(
                format: "text: %.2f MB, %d lines from %@; %d cores", mb, lines.count, files.joined(separator: ", "),
                cores))

        let names = (try FileManager.default.contentsOfDirectory(atPath: tokenizers))
            .filter { $0.hasSuffix(".tokenizer.json.gz") && !$0.hasPrefix("trained-") && !$0.hasPrefix("hf-") }.sorted()
        print(
            "MB/s wall clock (1T = one thread, \(cores)T = all cores); cpu = MB per CPU-second of the encoding thread")
        print(
            "tokenizer            transtok 1T   transtok \(cores)T   HF 1T      HF \(cores)T     transtok 1T cpu   HF 1T cpu"
        )
        for name in names {
            let url = URL(fileURLWithPath: tokenizers).appendingPathComponent(name)
            let tok = try Tokenizer(contentsOf: url)
            var tokens = 0
            let t0 = Date()
            let c0 = threadCPUSeconds()
            for l in lines { tokens += tok.encode(l, addSpecialTokens: false).ids.count }
            let single = Date().timeIntervalSince(t0)
            let singleCPU = threadCPUSeconds() - c0
            // A fresh tokenizer so the word caches start cold for the parallel run too.
            let tok2 = try Tokenizer(contentsOf: url)
            let t1 = Date()
            let batch = tok2.encodeBatch(lines, addSpecialTokens: false)
            let parallel = Date().timeIntervalSince(t1)
            let batchTokens = batch.reduce(0) { $0 + $1.ids.count }
            let jsonURL = tmp.appendingPathComponent(name.replacingOccurrences(of: ".gz", with: ""))
            try Data(try gunzipFile(url)).write(to: jsonURL)
            let hf = runPython(encodeScript, [jsonURL.path, textFile.path])
            let label = name.replacingOccurrences(of: ".tokenizer.json.gz", with: "")
            print(
                String(
                    format: "%@ %9.2f   %9.2f   %9@  %9@   %9.2f   %9@   tokens %d%@",
                    label.padding(toLength: 20, withPad: " ", startingAt: 0) as NSString, mb / single, mb / parallel,
                    hf.map { String(format: "%.2f", mb / ($0["single"] ?? .nan)) as NSString } ?? "n/a",
                    hf.map { String(format: "%.2f", mb / ($0["batch"] ?? .nan)) as NSString } ?? "n/a",
                    mb / singleCPU,
                    hf.map { String(format: "%.2f", mb / ($0["single_cpu"] ?? .nan)) as NSString } ?? "n/a",
                    tokens, (batchTokens == tokens ? "" : " (batch token count differs!)") as NSString))
            if let hfTokens = hf?["tokens"], Int(hfTokens) != tokens {
                print("  warning: HF produced \(Int(hfTokens)) tokens")
            }
        }
        guard trainVocab > 0 else { return }
        for kind in TokenizerTrainingOptions.Kind.allCases {
            let t = Date()
            let cpu0 = processCPUSeconds()
            let trained = try TokenizerTrainer.train(
                files: [textFile], options: TokenizerTrainingOptions(kind: kind, vocabSize: trainVocab))
            let ours = Date().timeIntervalSince(t)
            let oursCPU = processCPUSeconds() - cpu0
            var peer = "n/a"
            if kind == .byteLevelBPE, let hf = runPython(trainScript, [textFile.path, String(trainVocab)]),
                let s = hf["seconds"]
            {
                peer = String(
                    format: "HF BpeTrainer %.2f s wall, %.2f s CPU (%d merges)", s, hf["cpu"] ?? .nan,
                    Int(hf["merges"] ?? 0))
            }
            print(
                String(
                    format: "train %@ vocab %d: transtok %.2f s wall, %.2f s CPU (%d merges); %@", kind.rawValue,
                    trainVocab, ours, oursCPU, trained.mergeCount, peer))
        }
    }

    func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func gunzipFile(_ url: URL) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gunzip -c \"$0\"", url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return d
    }

    /// Runs a Python snippet; its last stdout line is a JSON object of numbers. nil if Python or HF is missing.
    func runPython(_ script: String, _ args: [String]) -> [String: Double]? {
        guard !python.isEmpty else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", script] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let last = String(decoding: d, as: UTF8.self).split(separator: "\n").last,
            let o = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        else { return nil }
        return o.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    /// HF single thread: `encode` per line from Python (how the paper's pipeline calls it); all cores: `encode_batch`.
    let encodeScript = """
        import json, sys, time
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(sys.argv[1])
        lines = [l for l in open(sys.argv[2], encoding="utf-8", newline="").read().split("\\n") if l]
        t = time.perf_counter(); c = time.thread_time()
        n = sum(len(tok.encode(l, add_special_tokens=False).ids) for l in lines)
        single = time.perf_counter() - t; single_cpu = time.thread_time() - c
        t = time.perf_counter(); b = tok.encode_batch(lines, add_special_tokens=False); batch = time.perf_counter() - t
        print(json.dumps({"single": single, "batch": batch, "tokens": n, "single_cpu": single_cpu}))
        """

    let trainScript = """
        import json, sys, time
        from tokenizers import Tokenizer, models, pre_tokenizers, trainers
        t = Tokenizer(models.BPE())
        t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tr = trainers.BpeTrainer(vocab_size=int(sys.argv[2]), min_frequency=2, special_tokens=["<|endoftext|>", "<pad>"],
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        s = time.perf_counter(); c = time.process_time()
        lines = open(sys.argv[1], encoding="utf-8", newline="").read().split("\\n")
        t.train_from_iterator(lines, tr); s = time.perf_counter() - s
        print(json.dumps({"seconds": s, "cpu": time.process_time() - c, "merges": len(json.loads(t.to_str())["model"]["merges"])}))
        """
}
