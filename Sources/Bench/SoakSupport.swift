import Foundation

/// A failure of the soak harness itself (not an invariant violation): setup, a tool that will not run.
struct SoakError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64: the soak schedule's seeded generator (the same seed gives the same schedule and file contents).
struct SoakRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs tools the soak needs (mount, fallocate, gzip, curl, sqlite3, the S3 server script) and collects output.
enum SoakShell {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a tool with its output in temporary files (no pipes: a server a script starts keeps inherited
    /// descriptors open) and a bounded wait.
    static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
        timeout: Double = 120
    ) throws -> Result {
        let base = NSTemporaryDirectory() + "transtok-soak-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { for suffix in [".in", ".out", ".err"] { unlink(base + suffix) } }
        if let input { try input.write(to: URL(fileURLWithPath: base + ".in")) }
        let child = try SoakChild(
            executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
            stdin: input == nil ? "/dev/null" : base + ".in", stdout: base + ".out", stderr: base + ".err")
        guard let status = child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = child.wait(timeout: 10)
            throw SoakError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        let out = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let err = FileManager.default.contents(atPath: base + ".err") ?? Data()
        return Result(status: status, stdout: out, stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs and requires exit status 0.
    @discardableResult
    static func check(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil
    ) throws -> Result {
        let result = try run(executable, arguments, input: input, environment: environment)
        guard result.status == 0 else {
            throw SoakError(
                "\(executable) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr.suffix(1000))"
            )
        }
        return result
    }

    /// Resident set size of a process in KiB (0 if gone).
    static func rssKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Writes `data` to `path` through a hidden temporary file in the same directory and a rename (as a careful
    /// contributor or a credential agent would), with `mode`.
    static func writeAtomically(_ data: Data, to path: String, mode: Int = 0o644) throws {
        let directory = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let temporary = directory + "/." + name + ".soak-tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: mode])
        else {
            throw SoakError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            throw SoakError("rename \(temporary): \(String(cString: strerror(errno)))")
        }
    }
}

/// A child process by posix_spawn and waitpid (Foundation's `Process` relies on SIGCHLD delivery that this
/// process does not always get, so its waits can hang).
final class SoakChild {
    let pid: pid_t
    private(set) var exitStatus: Int32?

    /// Starts `executable`; stdin/stdout/stderr are opened from the paths given (stdout and stderr appended).
    init(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: String, stdout: String,
        stderr: String
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and no blocked signals (we run under nohup).
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SoakError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// True until the child has exited (reaps it then).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid {
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return false
        }
        return rc == 0
    }

    /// Waits up to `timeout` seconds; the exit status (128 + signal if killed), or nil if still running.
    func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() >= deadline { return nil }
            usleep(5_000)
        }
        return exitStatus
    }

    func signal(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }
}
