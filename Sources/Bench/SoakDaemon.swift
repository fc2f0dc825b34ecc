import ControlAPI
import Foundation

/// The real `transtokd` under soak: the built binary beside this one, on the soak's config, its log appended across
/// restarts. Tracks restarts and the peak RSS seen.
final class SoakDaemon {
    let binary: String
    let config: String
    let socket: String
    let logPath: String
    let environment: [String: String]
    private(set) var process: SoakChild?
    private(set) var peakRSSKiB = 0
    private(set) var sigterms = 0
    private(set) var kills = 0
    private(set) var slowestStop = 0.0

    init(binary: String, config: String, socket: String, logPath: String, home: String) {
        self.binary = binary
        self.config = config
        self.socket = socket
        self.logPath = logPath
        // No inherited AWS or transtok settings: the remote's credentials file is the only source of keys.
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("TRANSTOK_") && !$0.key.hasPrefix("AWS_") && $0.key != "NOTIFY_SOCKET"
        }
        env["HOME"] = home
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        environment = env
    }

    var client: ControlClient { ControlClient(socketPath: socket, timeoutSeconds: 30) }
    var pid: Int32 { process?.pid ?? 0 }
    var isRunning: Bool { process?.isRunning ?? false }

    func start() throws {
        let process = try SoakChild(
            binary, ["--config", config], environment: environment, stdin: "/dev/null", stdout: logPath, stderr: logPath
        )
        self.process = process
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            guard process.isRunning else {
                throw SoakError("transtokd exited at start (\(process.exitStatus ?? -1)):\n\(logTail())")
            }
            if let reply = try? client.send(method: "GET", path: "/v1/health"), reply.status == 200 { return }
            usleep(50_000)
        }
        throw SoakError("transtokd not ready within 120 s:\n\(logTail())")
    }

    /// SIGTERM; returns the exit status and how long the stop took (a kill after `limit` s is a failure).
    func terminate(limit: Double = 60) throws -> (Int32, Double) {
        guard let process, process.isRunning else { throw SoakError("transtokd is not running:\n\(logTail())") }
        let asked = Date()
        process.signal(SIGTERM)
        let status = process.wait(timeout: limit)
        let took = Date().timeIntervalSince(asked)
        guard let status else {
            process.signal(SIGKILL)
            _ = process.wait(timeout: 30)
            throw SoakError("transtokd ignored SIGTERM for \(Int(limit)) s")
        }
        sigterms += 1
        slowestStop = max(slowestStop, took)
        return (status, took)
    }

    func kill9() {
        guard let process, process.isRunning else { return }
        process.signal(SIGKILL)
        _ = process.wait(timeout: 30)
        kills += 1
    }

    /// Samples the RSS (called on every poll).
    @discardableResult
    func sampleRSS() -> Int {
        let rss = SoakShell.rssKiB(pid)
        peakRSSKiB = max(peakRSSKiB, rss)
        return rss
    }

    func logTail(_ bytes: Int = 3000) -> String {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(bytes).description
    }

    func stopQuietly() {
        guard let process, process.isRunning else { return }
        process.signal(SIGTERM)
        if process.wait(timeout: 30) == nil {
            process.signal(SIGKILL)
            _ = process.wait(timeout: 30)
        }
    }
}
