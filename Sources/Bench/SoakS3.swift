import FaultInjection
import Foundation

/// The soak's S3 side: its own SeaweedFS (started with `scripts/s3-test-server.sh`, holding every key generation the
/// run may rotate to), the project's `FaultProxy` in front of it (which also enforces which key is current:
/// SeaweedFS reads its identities once at start, so revoking a key is done by the proxy), the credentials file the
/// daemon reads, and a direct listing of the bucket (curl with SigV4 against SeaweedFS, not through transtok).
final class SoakS3 {
    let home: String
    let script: String
    let endpoint: String
    let bucket: String
    let region: String
    let adminKey: (String, String)
    let proxy: FaultProxy
    let credentialsFile: String
    private let generations: [(String, String)]
    private(set) var generation = 0
    private let environment: [String: String]

    init(root: String, script: String, maxRotations: Int, seed: UInt64) throws {
        home = root + "/s3"
        self.script = script
        credentialsFile = root + "/aws-credentials"
        var rng = SoakRandom(seed: seed ^ 0x5EED_C0DE)
        generations = (0...maxRotations).map { n in
            (
                String(format: "AKIASOAKGEN%09d", n),
                (0..<40).map { _ in String(UInt8.random(in: 0..<16, using: &rng), radix: 16) }.joined()
            )
        }
        let envFile = root + "/s3.env"
        var env = ProcessInfo.processInfo.environment
        env["TRANSTOK_S3_HOME"] = home
        env["TRANSTOK_S3_ENV"] = envFile
        env["TRANSTOK_S3_GOMEMLIMIT"] = "256MiB"
        env["TRANSTOK_S3_EXTRA_CREDENTIALS"] = generations.map { "\($0.0):\($0.1)" }.joined(separator: " ")
        env.removeValue(forKey: "TRANSTOK_S3_PORT")
        environment = env
        try Self.runScript(script, "start", environment: env, log: root + "/s3-server.log")
        var settings: [String: String] = [:]
        for line in try String(contentsOfFile: envFile, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { settings[String(parts[0])] = String(parts[1]) }
        }
        guard let endpoint = settings["TRANSTOK_S3_TEST_ENDPOINT"], let bucket = settings["TRANSTOK_S3_TEST_BUCKET"],
            let ak = settings["TRANSTOK_S3_TEST_ACCESS_KEY"], let sk = settings["TRANSTOK_S3_TEST_SECRET_KEY"],
            let port = UInt16(endpoint.split(separator: ":").last ?? "")
        else { throw SoakError("\(envFile) lacks the server's settings") }
        self.endpoint = endpoint
        self.bucket = bucket
        region = settings["TRANSTOK_S3_TEST_REGION"] ?? "us-east-1"
        adminKey = (ak, sk)
        proxy = try FaultProxy(upstreamPort: port)
        try writeCredentials()
        proxy.requireAccessKey(generations[0].0)
    }

    func stop() {
        proxy.stop()
        try? Self.runScript(script, "stop", environment: environment, log: home + "/../s3-server.log")
    }

    /// Runs the server script with its output in a file: the server it starts keeps inherited descriptors open, so
    /// a pipe would never reach end-of-file.
    static func runScript(_ script: String, _ verb: String, environment: [String: String], log: String) throws {
        let child = try SoakChild(
            "/bin/bash", [script, verb], environment: environment, stdin: "/dev/null", stdout: log, stderr: log)
        guard let status = child.wait(timeout: 120) else {
            child.signal(SIGKILL)
            throw SoakError("\(script) \(verb) did not finish within 120 s; see \(log)")
        }
        guard status == 0 else { throw SoakError("\(script) \(verb) failed (\(status)); see \(log)") }
    }

    var currentKey: String { generations[generation].0 }
    var canRotate: Bool { generation + 1 < generations.count }

    /// Credential rotation as an operator does it: the daemon's credentials file gets the next key (atomically,
    /// mode 0600), and from that moment the server refuses the old one (the proxy answers it 403 and cuts open
    /// connections).
    func rotate() throws {
        guard canRotate else { return }
        generation += 1
        try writeCredentials()
        proxy.requireAccessKey(generations[generation].0)
    }

    private func writeCredentials() throws {
        let (ak, sk) = generations[generation]
        try SoakShell.writeAtomically(
            Data("[default]\naws_access_key_id = \(ak)\naws_secret_access_key = \(sk)\n".utf8), to: credentialsFile,
            mode: 0o600)
    }

    // MARK: direct reads of the bucket (SigV4 by curl, straight to SeaweedFS)

    private func curl(_ path: String) throws -> Data {
        let result = try SoakShell.run(
            "/usr/bin/curl",
            [
                "-sS", "--fail-with-body", "--max-time", "30", "--aws-sigv4", "aws:amz:\(region):s3", "--user",
                "\(adminKey.0):\(adminKey.1)",
                "-H", "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                endpoint + path,
            ], timeout: 60)
        guard result.status == 0 else {
            throw SoakError("GET \(path): curl \(result.status) \(result.stderr) \(result.text.prefix(300))")
        }
        return result.stdout
    }

    /// Every object under `prefix`: key → size.
    func list(prefix: String) throws -> [String: Int64] {
        var objects: [String: Int64] = [:]
        var token: String?
        repeat {
            var query = "list-type=2&max-keys=1000&prefix=" + Self.escape(prefix)
            if let token { query += "&continuation-token=" + Self.escape(token) }
            let xml = String(decoding: try curl("/\(bucket)?\(query)"), as: UTF8.self)
            for contents in xml.components(separatedBy: "<Contents>").dropFirst() {
                guard let key = Self.element("Key", in: contents),
                    let size = Self.element("Size", in: contents).flatMap({ Int64($0) })
                else { continue }
                objects[Self.unescapeXML(key)] = size
            }
            token =
                Self.element("IsTruncated", in: xml) == "true"
                ? Self.element("NextContinuationToken", in: xml).map(Self.unescapeXML) : nil
        } while token != nil
        return objects
    }

    func get(_ key: String) throws -> Data {
        try curl("/\(bucket)/" + key.split(separator: "/").map { Self.escape(String($0)) }.joined(separator: "/"))
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }

    static func unescapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
