import Foundation
import Hashing
import Testing

@testable import Sync

/// boto3 (an independent S3 client and signer) reads back what we published, byte for byte.
@Suite(
    .enabled(
        if: S3TestEnv.available && S3TestEnv.runs(needing: Python.hasBoto3),
        Comment(rawValue: S3TestEnv.skipMessage + " (and python3 with boto3)")))
struct IndependentClientTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    @Test func boto3ReassemblesPublishedCheckpoint() async throws {
        let src = TempDir()
        CheckpointFixture().write(to: src.path)
        _ = src.write("big.bin", testBytes(11 << 20, seed: 31)) // goes up as a multipart blob
        let remote = env.remote("boto3")
        var o = SyncOptions()
        o.chunking = ChunkingPolicy(targetSize: 256 << 10, contentDefined: false)
        o.multipartThreshold = 6 << 20
        o.partSizeMinimum = 5 << 20
        var sync = CheckpointSync(client: env.client(remote), journal: nil, options: o)
        _ = try await sync.publish(directory: src.path, name: "1")
        sync.options.chunking = .wholeFiles
        _ = try await sync.publish(directory: src.path, name: "2") // whole-file blobs: big.bin via multipart

        let script = """
            import boto3, hashlib, json, os, sys
            s3 = boto3.client("s3", endpoint_url=os.environ["EP"], region_name=os.environ["REGION"],
                aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"])
            b, prefix, src = os.environ["BUCKET"], os.environ["PREFIX"], os.environ["SRC"]
            for ck in ("1", "2"):
                m = json.loads(s3.get_object(Bucket=b, Key=f"{prefix}/checkpoints/{ck}/manifest.json")["Body"].read())
                for f in m["files"]:
                    data = b"".join(s3.get_object(Bucket=b, Key=f"{prefix}/blobs/sha256/{c['sha256']}")["Body"].read()
                                    for c in f["chunks"])
                    local = open(os.path.join(src, f["path"]), "rb").read()
                    assert data == local, f"{ck}/{f['path']} differs"
                    assert hashlib.sha256(data).hexdigest() == f["sha256"]
                    for c in f["chunks"]:
                        h = s3.head_object(Bucket=b, Key=f"{prefix}/blobs/sha256/{c['sha256']}")
                        assert h["Metadata"]["sha256"] == c["sha256"], h["Metadata"]
                print(ck, "ok", len(m["files"]))
            """
        let r = try Python.run(
            script,
            env: [
                "EP": env.endpoint, "REGION": env.region, "AK": env.accessKey, "SK": env.secretKey,
                "BUCKET": env.bucket,
                "PREFIX": remote.prefix, "SRC": src.path,
            ])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("1 ok 4") && r.output.contains("2 ok 4"), "\(r.output)")
    }
}

enum Python {
    static let hasBoto3: Bool = { (try? run("import boto3", env: [:]).status) == 0 }()

    static func run(_ script: String, env: [String: String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

}
