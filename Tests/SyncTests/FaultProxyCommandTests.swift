import FaultInjection
import Foundation
import Testing

@testable import Sync

/// `transtok-bench s3-fault-proxy` driven over stdin as a soak run drives it: injected error answers and resets,
/// a bandwidth cap, an outage, and the counters, each seen through a real S3 client.
@Suite(
    .enabled(
        if: S3TestEnv.available && S3TestEnv.runs(needing: UploaderBinary.path != nil),
        Comment(rawValue: S3TestEnv.skipMessage + " (and the transtok-bench binary from swift build --build-tests)")))
struct FaultProxyCommandTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    /// The proxy process and line-by-line access to its stdin and stdout.
    final class Driver {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        var buffer = Data()
        var endpoint = ""

        init(upstreamPort: UInt16) throws {
            process.executableURL = URL(fileURLWithPath: try #require(UploaderBinary.path))
            process.arguments = ["s3-fault-proxy", "--upstream-port", "\(upstreamPort)"]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            let first = readLine()
            guard first.hasPrefix("listening ") else { throw MissingTestPrerequisite("proxy said: \(first)") }
            endpoint = String(first.dropFirst("listening ".count))
        }

        func readLine() -> String {
            while true {
                if let nl = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer = Data(buffer[(nl + 1)...])
                    return line
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return "" }
                buffer.append(chunk)
            }
        }

        func send(_ command: String) -> String {
            input.fileHandleForWriting.write(Data((command + "\n").utf8))
            return readLine()
        }

        func quit() {
            _ = send("quit")
            process.waitUntilExit()
        }
    }

    @Test func injectsFaultsOnCommand() throws {
        let proxy = try Driver(upstreamPort: env.port)
        defer { if proxy.process.isRunning { proxy.quit() } }
        let remote = env.remote("proxycmd", endpoint: proxy.endpoint)
        let client = env.client(remote, retry: RetryPolicy(maxAttempts: 1))
        let key = remote.key("probe")
        try client.putObject(key: key, bytes: Array("hello".utf8))

        #expect(proxy.send("error 503 SlowDown 1") == "ok error 503 SlowDown 1")
        #expect(throws: SyncError.self) {
            _ = try env.client(remote, retry: RetryPolicy(maxAttempts: 1)).getObject(key: key)
        }
        #expect(try env.client(remote, retry: RetryPolicy(maxAttempts: 1)).getObject(key: key) == Array("hello".utf8))

        #expect(proxy.send("reset 1") == "ok reset 1")
        let reset = #expect(throws: SyncError.self) {
            _ = try env.client(remote, retry: RetryPolicy(maxAttempts: 1)).getObject(key: key)
        }
        #expect(reset?.errorClass == .retryable)

        #expect(proxy.send("outage 1.5") == "ok outage 1.5")
        #expect(throws: SyncError.self) {
            _ = try env.client(remote, retry: RetryPolicy(maxAttempts: 1)).getObject(key: key)
        }
        Thread.sleep(forTimeInterval: 1.6)
        #expect(try env.client(remote, retry: RetryPolicy(maxAttempts: 1)).getObject(key: key) == Array("hello".utf8))

        // 512 KiB at 256 KiB/s: about 2 s instead of milliseconds.
        #expect(proxy.send("throttle 262144") == "ok throttle 262144")
        let start = Date()
        try env.client(remote).putObject(key: remote.key("slow"), bytes: testBytes(512 << 10, seed: 5))
        let took = Date().timeIntervalSince(start)
        #expect(took > 1.5 && took < 10, "took \(took) s")
        #expect(proxy.send("throttle off") == "ok throttle off")

        let stats = proxy.send("stats")
        let json = try #require(stats.hasPrefix("ok ") ? Data(stats.dropFirst(3).utf8) : nil, "\(stats)")
        let counters = try JSONDecoder().decode(FaultProxy.Stats.self, from: json)
        #expect(counters.faultsInjected == 2)
        #expect(counters.outageResets >= 1)
        #expect(counters.bytesUp >= 512 << 10)
        #expect(proxy.send("bogus").hasPrefix("error: unknown command"))
        #expect(proxy.send("error 200 X").hasPrefix("error: usage"))
        proxy.quit()
        #expect(proxy.process.terminationStatus == 0)
    }
}
