import ControlAPI
import Foundation
import Testing

/// Locates the built executables (`transtokd`, `transtok`) next to the test bundle.
enum Binaries {
    static let directory: URL = {
        if let env = ProcessInfo.processInfo.environment["TRANSTOK_BIN_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        // On some runners the bundle is a directory (`*.xctest/…`): walk up to the build folder.
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: candidate.appendingPathComponent("transtokd").path)
        {
            candidate = candidate.deletingLastPathComponent()
        }
        return candidate
    }()

    static var daemon: String { directory.appendingPathComponent("transtokd").path }
    static var cli: String { directory.appendingPathComponent("transtok").path }
}

/// A temporary directory per test, readable by other users (for the peer-credential tests); short (a socket path
/// inside it must fit `sun_path`). Removed when the test process exits, if the test did not remove it.
func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = "/tmp/tt-\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    TemporaryDirectories.shared.add(path)
    return path
}

/// The directories `makeTemporaryDirectory` made, removed at process exit.
final class TemporaryDirectories: @unchecked Sendable {
    static let shared = TemporaryDirectories()
    private let lock = NSLock()
    private var paths: [String] = []

    private init() { atexit { TemporaryDirectories.shared.removeAll() } }

    func add(_ path: String) { lock.withLock { paths.append(path) } }

    func removeAll() {
        for path in lock.withLock({ paths }) { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// The result of running a command to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments` and waits (bounded) for it to exit.
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Double = 30
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
    let outData = DataBox()
    let errData = DataBox()
    let group = DispatchGroup()
    for (pipe, box) in [(out, outData), (err, errData)] {
        group.enter()
        DispatchQueue.global().async {
            box.data = pipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw DaemonTestError("\(executable) \(arguments) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    group.wait()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
        stderr: String(decoding: errData.data, as: UTF8.self))
}

final class DataBox: @unchecked Sendable { var data = Data() }

struct DaemonTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A real `transtokd` child process on a private state directory and socket.
final class DaemonProcess {
    let root: String
    let stateDir: String
    let socket: String
    let process = Process()
    let logPath: String

    init(label: String, socket: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:])
        throws
    {
        root = try makeTemporaryDirectory(label)
        stateDir = root + "/state"
        self.socket = socket ?? root + "/run/transtokd.sock"
        logPath = root + "/daemon.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Binaries.daemon)
        process.arguments = ["--state-dir", stateDir, "--socket", self.socket, "--log-level", "debug"] + extraArguments
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("TRANSTOK_") && $0.key != "NOTIFY_SOCKET"
        }
        env.merge(environment) { $1 }
        process.environment = env
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var client: ControlClient { ControlClient(socketPath: socket, timeoutSeconds: 10) }

    /// Waits until `/v1/health` answers, or fails with the daemon's log.
    func waitUntilReady(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw DaemonTestError("transtokd exited early (\(process.terminationStatus)):\n\(log)")
            }
            if let reply = try? client.send(method: "GET", path: "/v1/health"), reply.status == 200 { return }
            usleep(50_000)
        }
        throw DaemonTestError("transtokd not ready within \(timeout) s:\n\(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the exit status.
    func terminate(timeout: Double = 20) throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw DaemonTestError("transtokd ignored SIGTERM for \(timeout) s:\n\(log)")
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
