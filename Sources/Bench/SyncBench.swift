import ArgumentParser
import Entities
import Foundation
import Hashing
import Sync
import SyncStore
import Systems

/// `transtok-bench sync`: a 512 MiB upload to a local S3 server by transtok and by `aws s3 cp` (each in a child
/// process, measured with wait4: wall time, user+system CPU, peak RSS), then the bytes a re-sync uploads after an
/// embedding refresh of a SmolLM2-135M-shaped safetensors checkpoint.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Upload throughput/CPU/RSS vs aws s3 cp, and re-sync bytes after a refresh.")

    @Option(help: "Upload size in MiB.") var sizeMib = 512
    @Option(help: "Endpoint (default: TRANSTOK_S3_TEST_ENDPOINT or the env file of scripts/s3-test-server.sh).")
    var endpoint: String?
    @Option(help: "Bucket.") var bucket: String?
    @Option(help: "Parallel part uploads for transtok.") var concurrency = 4
    @Flag(help: "Skip the aws s3 cp run.") var skipAws = false
    @Flag(help: "Skip the re-sync measurement.") var skipResync = false
    @Option(help: "Fraction of embedding rows refreshed (contiguous block).") var refreshFraction = 0.05

    func run() async throws {
        let env = try BenchEnv.load(endpoint: endpoint, bucket: bucket)
        let dir = NSTemporaryDirectory() + "transtok-bench-sync-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        print("server: \(env.endpoint) bucket \(env.bucket); load average \(loadAverage())")

        let file = dir + "/upload.bin"
        try writeRandom(path: file, bytes: Int64(sizeMib) << 20)
        let mib = Double(sizeMib)
        let run = "bench-\(getpid())"
        let childEnv = env.processEnvironment()

        let me = CommandLine.arguments[0]
        let ours = try ChildRun.measure(
            [
                me, "sync-upload-once", "--file", file, "--key", "\(run)/transtok.bin", "--concurrency",
                "\(concurrency)",
            ],
            environment: childEnv)
        guard ours.status == 0 else { throw ValidationError("transtok upload failed:\n\(ours.output)") }
        report(
            "transtok, Content-MD5 parts (multipart 8 MiB parts, \(concurrency) concurrent on one libcurl multi handle, MD5 + signed SHA-256 per part, whole-file SHA-256)",
            ours, mib: mib)
        let lean = try ChildRun.measure(
            [
                me, "sync-upload-once", "--file", file, "--key", "\(run)/transtok-cks.bin", "--concurrency",
                "\(concurrency)",
                "--integrity", "checksumSHA256",
            ],
            environment: childEnv)
        guard lean.status == 0 else { throw ValidationError("transtok upload failed:\n\(lean.output)") }
        report("transtok, x-amz-checksum-sha256 parts (one SHA-256 per part, whole-file SHA-256)", lean, mib: mib)

        if !skipAws {
            let aws = try ChildRun.measure(
                [
                    "/usr/bin/env", "aws", "--endpoint-url", env.endpoint, "s3", "cp", "--only-show-errors", file,
                    "s3://\(env.bucket)/\(run)/aws.bin",
                ],
                environment: childEnv)
            if aws.status == 0 {
                report("aws s3 cp (awscli defaults: 8 MiB parts, 10 threads)", aws, mib: mib)
                print(
                    String(
                        format:
                            "ratio vs aws: Content-MD5 mode throughput %.2f×, CPU %.2f×; checksum mode throughput %.2f×, CPU %.2f×",
                        aws.wall / ours.wall, ours.cpu / max(0.001, aws.cpu), aws.wall / lean.wall,
                        lean.cpu / max(0.001, aws.cpu)))
            } else {
                print("aws s3 cp failed (status \(aws.status)): \(aws.output.prefix(500))")
            }
        }
        try? FileManager.default.removeItem(atPath: file)

        if !skipResync { try await resync(env: env, dir: dir, prefix: "\(run)/ckpt") }
        // Best effort: the run's objects are removed again (each run uploads ~3 × the file; a bench should not fill
        // the server it measures). Left in place, with a note, when the aws CLI is missing or fails.
        let removal = try? ChildRun.measure(
            [
                "/usr/bin/env", "aws", "--endpoint-url", env.endpoint, "s3", "rm", "--recursive", "--only-show-errors",
                "s3://\(env.bucket)/\(run)/",
            ],
            environment: childEnv)
        if removal?.status != 0 { print("note: the objects under s3://\(env.bucket)/\(run)/ were not removed") }
    }

    func report(_ name: String, _ r: ChildRun.Result, mib: Double) {
        print(
            String(
                format: "%@\n  %.1f MiB/s  wall %.2f s  CPU %.2f s (user %.2f + sys %.2f)  peak RSS %.0f MiB",
                name, mib / r.wall, r.wall, r.cpu, r.user, r.sys, Double(r.maxRSSKiB) / 1024))
    }

    /// SmolLM2-135M shapes (vocab 49152, hidden 576, 30 layers, MLP 1536, 3 KV heads of 64, tied embeddings), BF16.
    /// Run once with the default chunking (row tables in 64 KiB blobs) and once with row tables cut like other
    /// tensors (4 MiB), to show both the saving and its cost (objects, manifest size, first-publish time).
    func resync(env: BenchEnv, dir: String, prefix: String) async throws {
        let ck = dir + "/ckpt"
        try FileManager.default.createDirectory(atPath: ck, withIntermediateDirectories: true)
        try Data("{\"model_type\":\"llama\",\"vocab_size\":49152,\"hidden_size\":576}".utf8)
            .write(to: URL(fileURLWithPath: ck + "/config.json"))
        let runs = [
            ("fine", "default chunking (row tables in 64 KiB blobs)", ChunkingPolicy()),
            ("coarse", "row tables cut at 4 MiB like other tensors", ChunkingPolicy(embeddingChunkSize: 4 << 20)),
        ]
        for (run, label, policy) in runs { // separate prefixes: no blob shared between the two runs
            var config = RemoteConfig(
                endpoint: env.endpoint, bucket: env.bucket, prefix: prefix + "/" + run, region: env.region)
            config.unixSocketPath = nil
            var options = SyncOptions()
            options.chunking = policy
            let sync = CheckpointSync(
                client: S3Client(config: config, credentials: env.credentials), journal: nil, options: options)
            try await resync(label: label, sync: sync, ck: ck, run: run)
        }
    }

    func resync(label: String, sync: CheckpointSync, ck: String, run: String) async throws {
        let shapes = SmolShapes()
        try shapes.write(to: ck + "/model.safetensors", refreshRows: nil)
        let t0 = Date()
        let first = try await sync.publish(directory: ck, name: "\(run)-1")
        let t1 = Date()
        let again = try await sync.publish(directory: ck, name: "\(run)-2")
        let t2 = Date()
        let rows = Int(Double(shapes.vocab) * refreshFraction)
        try shapes.write(to: ck + "/model.safetensors", refreshRows: (shapes.vocab - rows)..<shapes.vocab)
        let refreshed = try await sync.publish(directory: ck, name: "\(run)-3")
        let t3 = Date()
        try shapes.write(to: ck + "/model.safetensors", refreshRows: nil, scatteredRows: shapes.vocab / 100)
        let scattered = try await sync.publish(directory: ck, name: "\(run)-4")
        let t4 = Date()
        let manifest = try sync.client.getObject(key: sync.client.config.key(RemoteLayout.manifest("\(run)-1")))
        let total = Double(first.totalBytes)
        print(
            String(
                format: "re-sync of a SmolLM2-135M-shaped checkpoint (%.1f MiB), %@: %d blobs, manifest %.1f KiB",
                total / 1048576, label, first.blobs, Double(manifest.count) / 1024))
        print(
            String(
                format: "  first publish: %.1f MiB uploaded in %.2f s (%.1f MiB/s)",
                Double(first.bytesUploaded) / 1048576,
                t1.timeIntervalSince(t0), Double(first.bytesUploaded) / 1048576 / t1.timeIntervalSince(t0)))
        print(
            String(
                format: "  unchanged, new name: %lld bytes uploaded (%.2f s)", again.bytesUploaded,
                t2.timeIntervalSince(t1)))
        print(
            String(
                format:
                    "  %d contiguous embedding rows refreshed (%.0f%% of vocab): %.1f MiB in %d blobs uploaded = %.1f%% of the checkpoint (%.2f s)",
                rows, refreshFraction * 100, Double(refreshed.bytesUploaded) / 1048576, refreshed.blobsUploaded,
                100 * Double(refreshed.bytesUploaded) / total, t3.timeIntervalSince(t2)))
        print(
            String(
                format:
                    "  %d scattered embedding rows refreshed (1%% of vocab, every 100th row): %.1f MiB in %d blobs uploaded = %.1f%% of the checkpoint (%.2f s)",
                shapes.vocab / 100, Double(scattered.bytesUploaded) / 1048576, scattered.blobsUploaded,
                100 * Double(scattered.bytesUploaded) / total, t4.timeIntervalSince(t3)))
    }

    func writeRandom(path: String, bytes: Int64) throws {
        guard
            let out = FileHandle(forWritingAtPath: path)
                ?? {
                    FileManager.default.createFile(atPath: path, contents: nil)
                        ? FileHandle(forWritingAtPath: path) : nil
                }()
        else { throw ValidationError("cannot write \(path)") }
        defer { try? out.close() }
        var rng = SystemRandomNumberGenerator()
        var left = bytes
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while left > 0 {
            block.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in words.indices { words[i] = rng.next() }
            }
            let n = Int(min(left, Int64(block.count)))
            try out.write(contentsOf: block[0..<n])
            left -= Int64(n)
        }
    }

    func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"
    }
}

/// Hidden: the transtok side of the upload benchmark, run as a child process so its CPU and RSS are its own.
struct SyncUploadOnce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync-upload-once", shouldDisplay: false)
    @Option var file: String
    @Option var key: String
    @Option var concurrency = 4
    @Option(help: "Journal file: resume an interrupted upload of the same content (the kill test uses it).")
    var journal: String?
    @Option(help: "Minimum part size in MiB.") var partMib = 8
    @Option(help: "Per-connection upload cap in KiB/s (0 = none).") var maxSendKibPerSec = 0
    @Option(help: "Part integrity: contentMD5 or checksumSHA256.") var integrity = "contentMD5"

    func run() async throws {
        let env = try BenchEnv.load(endpoint: nil, bucket: nil)
        var options = TransportOptions()
        if maxSendKibPerSec > 0 { options.maxSendBytesPerSecond = Int64(maxSendKibPerSec) * 1024 }
        let client = S3Client(
            config: RemoteConfig(endpoint: env.endpoint, bucket: env.bucket, region: env.region),
            credentials: env.credentials, options: options)
        let part = Int64(partMib) << 20
        var uploader = MultipartUploader(
            client: client, journal: try journal.map { try GRDBSyncJournal.open(path: $0) }, partSizeMinimum: part,
            concurrency: concurrency)
        guard let mode = PartIntegrity(rawValue: integrity) else {
            throw ValidationError("--integrity must be contentMD5 or checksumSHA256")
        }
        uploader.integrity = mode
        let configured = uploader
        let path = file, key = self.key
        let etag = try await Blocking.run { () throws(SyncError) -> String in
            let f = try OpenFile(path: path)
            let sha = try f.sha256(offset: 0, length: f.size)
            return try configured.upload(file: f, length: f.size, sha256Hex: sha, key: key, metadata: [:])
        }
        print(etag)
    }
}

struct BenchEnv {
    var endpoint: String
    var bucket: String
    var region: String
    var credentials: Credentials

    static func load(endpoint: String?, bucket: String?) throws -> BenchEnv {
        var values = ProcessInfo.processInfo.environment
        let tmp = values["TMPDIR"] ?? "/tmp"
        if values["TRANSTOK_S3_TEST_ENDPOINT"] == nil,
            let text = try? String(
                contentsOfFile: values["TRANSTOK_S3_ENV"] ?? tmp + "/transtok-s3.env", encoding: .utf8)
        {
            for line in text.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
            }
        }
        guard let ep = endpoint ?? values["TRANSTOK_S3_TEST_ENDPOINT"] else {
            throw ValidationError("no S3 server: run scripts/s3-test-server.sh start, or pass --endpoint")
        }
        let credentials: Credentials
        if let ak = values["TRANSTOK_S3_TEST_ACCESS_KEY"], let sk = values["TRANSTOK_S3_TEST_SECRET_KEY"] {
            credentials = Credentials(accessKeyID: ak, secretAccessKey: sk)
        } else {
            credentials = try CredentialChain.resolve(CredentialSettings()).credentials
        }
        return BenchEnv(
            endpoint: ep, bucket: bucket ?? values["TRANSTOK_S3_TEST_BUCKET"] ?? "transtok-test",
            region: values["TRANSTOK_S3_TEST_REGION"] ?? "us-east-1", credentials: credentials)
    }

    /// For the children: the test-server variables plus AWS_* for awscli.
    func processEnvironment() -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["TRANSTOK_S3_TEST_ENDPOINT"] = endpoint
        e["TRANSTOK_S3_TEST_BUCKET"] = bucket
        e["TRANSTOK_S3_TEST_REGION"] = region
        e["TRANSTOK_S3_TEST_ACCESS_KEY"] = credentials.accessKeyID
        e["TRANSTOK_S3_TEST_SECRET_KEY"] = credentials.secretAccessKey
        e["AWS_ACCESS_KEY_ID"] = credentials.accessKeyID
        e["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
        e["AWS_DEFAULT_REGION"] = region
        return e
    }
}

/// posix_spawn + wait4: wall time, CPU and peak RSS of one child process.
enum ChildRun {
    struct Result {
        var status: Int32
        var wall: Double
        var user: Double
        var sys: Double
        var maxRSSKiB: Int
        var output: String
        var cpu: Double { user + sys }
    }

    static func measure(_ args: [String], environment: [String: String]) throws -> Result {
        let outPath = NSTemporaryDirectory() + "transtok-bench-child-\(getpid()).log"
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = args.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, args[0], &actions, nil, argv, envp)
        guard rc == 0 else { throw ValidationError("spawn \(args[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Date().timeIntervalSince(start)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let exited = (status & 0x7f) == 0
        return Result(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), wall: wall, user: seconds(usage.ru_utime),
            sys: seconds(usage.ru_stime), maxRSSKiB: usage.ru_maxrss, output: output)
    }
}

/// Tensor shapes of SmolLM2-135M (BF16), written as safetensors with deterministic contents.
struct SmolShapes {
    let vocab = 49152
    let hidden = 576
    let layers = 30
    let mlp = 1536
    let kv = 192

    func tensors() -> [(String, [Int])] {
        var t: [(String, [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            t += [
                (p + "input_layernorm.weight", [hidden]), (p + "self_attn.q_proj.weight", [hidden, hidden]),
                (p + "self_attn.k_proj.weight", [kv, hidden]), (p + "self_attn.v_proj.weight", [kv, hidden]),
                (p + "self_attn.o_proj.weight", [hidden, hidden]), (p + "post_attention_layernorm.weight", [hidden]),
                (p + "mlp.gate_proj.weight", [mlp, hidden]), (p + "mlp.up_proj.weight", [mlp, hidden]),
                (p + "mlp.down_proj.weight", [hidden, mlp]),
            ]
        }
        t.append(("model.norm.weight", [hidden]))
        return t
    }

    /// Writes the file; `refreshRows` (or `scatteredRows` evenly spread rows) of the embedding get new values.
    func write(to path: String, refreshRows: Range<Int>?, scatteredRows: Int = 0) throws {
        let ts = tensors()
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for (name, shape) in ts {
            let n = shape.reduce(1, *) * 2
            header[name] = ["dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + n]]
            offset += n
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let out = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write \(path)") }
        defer { try? out.close() }
        var len = UInt64(json.count)
        var prefix: [UInt8] = []
        for _ in 0..<8 {
            prefix.append(UInt8(len & 0xff))
            len >>= 8
        }
        try out.write(contentsOf: prefix + json)
        let rowBytes = hidden * 2
        let stride = scatteredRows > 0 ? vocab / scatteredRows : 0
        for (index, (name, shape)) in ts.enumerated() {
            let rows = shape.count > 1 ? shape[0] : 1
            let perRow = shape.reduce(1, *) * 2 / rows
            var data = [UInt8](repeating: 0, count: rows * perRow)
            data.withUnsafeMutableBytes { raw in
                var x = UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
                for i in 0..<raw.count {
                    x ^= x << 13
                    x ^= x >> 7
                    x ^= x << 17
                    raw[i] = UInt8(truncatingIfNeeded: x)
                }
            }
            if name == "model.embed_tokens.weight" {
                var changed: [Int] = refreshRows.map(Array.init) ?? []
                if stride > 0 { changed += Swift.stride(from: 7, to: vocab, by: stride).map { $0 } }
                for r in changed {
                    for j in 0..<rowBytes { data[r * rowBytes + j] ^= 0x5A }
                }
            }
            try out.write(contentsOf: data)
        }
    }
}
