import ArgumentParser
import FaultInjection
import Foundation

/// `transtok-bench s3-fault-proxy`: the S3 fault proxy as a process a soak run (or a person) drives over stdin.
/// Prints `listening http://127.0.0.1:PORT`, then one reply line per command; exits at EOF or `quit`.
struct S3FaultProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3-fault-proxy",
        abstract: "A loopback proxy in front of an S3 server that injects faults on command (read from stdin).",
        discussion: """
            Commands (one per line; N defaults to 1 and applies to the next N new connections):
              reset [N]               reset the connection after the request head
              error STATUS CODE [N]   answer STATUS with S3 error CODE (e.g. error 500 InternalError 3)
              delay SECONDS [N]       wait before forwarding
              drop [N]                forward, then lose the answer (the server acted on the request)
              throttle BYTES_PER_SEC  cap every connection in each direction (0 or off: no cap)
              outage SECONDS          refuse new connections and cut open ones for SECONDS
              key ACCESS_KEY_ID|off   accept only requests signed with this key (others: 403 InvalidAccessKeyId);
                                      cuts open connections (credential rotation)
              stats                   print counters as JSON
              quit
            Each command answers `ok …` or `error: …` on stdout.
            """)

    @Option(help: "Port of the S3 server on 127.0.0.1.") var upstreamPort: UInt16
    @Option(help: "Port to listen on, 127.0.0.1 only (0: any free port).") var port: UInt16 = 0

    func run() throws {
        let proxy = try FaultProxy(upstreamPort: upstreamPort, port: port)
        Self.say("listening \(proxy.endpoint)")
        while let line = readLine() {
            let reply = Self.apply(line, to: proxy)
            Self.say(reply)
            if reply == "ok quit" { break }
        }
        proxy.stop()
    }

    /// One unbuffered line on stdout (the driver waits for it).
    static func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// Applies one command line; returns the reply line.
    static func apply(_ line: String, to proxy: FaultProxy) -> String {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let verb = words.first else { return "error: empty command" }
        func count(at index: Int) -> Int? {
            guard words.count > index else { return 1 }
            guard let n = Int(words[index]), n > 0 else { return nil }
            return n
        }
        switch verb {
        case "reset", "drop":
            guard let n = count(at: 1) else { return "error: \(verb) takes a positive count" }
            proxy.inject(Array(repeating: verb == "reset" ? .reset : .dropResponse, count: n))
            return "ok \(verb) \(n)"
        case "error":
            guard words.count >= 3, let status = Int(words[1]), (400...599).contains(status), let n = count(at: 3)
            else {
                return "error: usage: error STATUS CODE [N] (STATUS 400…599)"
            }
            proxy.inject(Array(repeating: .respond(status, words[2]), count: n))
            return "ok error \(status) \(words[2]) \(n)"
        case "delay":
            guard words.count >= 2, let seconds = Double(words[1]), seconds >= 0, let n = count(at: 2) else {
                return "error: usage: delay SECONDS [N]"
            }
            proxy.inject(Array(repeating: .delay(seconds), count: n))
            return "ok delay \(seconds) \(n)"
        case "throttle":
            guard words.count == 2 else { return "error: usage: throttle BYTES_PER_SEC|off" }
            if words[1] == "off" || words[1] == "0" {
                proxy.setThrottle(bytesPerSecond: nil)
                return "ok throttle off"
            }
            guard let rate = Int64(words[1]), rate > 0 else { return "error: usage: throttle BYTES_PER_SEC|off" }
            proxy.setThrottle(bytesPerSecond: rate)
            return "ok throttle \(rate)"
        case "outage":
            guard words.count == 2, let seconds = Double(words[1]), seconds >= 0 else {
                return "error: usage: outage SECONDS"
            }
            proxy.startOutage(seconds: seconds)
            return "ok outage \(seconds)"
        case "key":
            guard words.count == 2 else { return "error: usage: key ACCESS_KEY_ID|off" }
            proxy.requireAccessKey(words[1] == "off" ? nil : words[1])
            return "ok key \(words[1])"
        case "stats":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? encoder.encode(proxy.stats) else { return "error: cannot encode stats" }
            return "ok " + String(decoding: data, as: UTF8.self)
        case "quit":
            return "ok quit"
        default:
            return "error: unknown command \(verb) (reset, error, delay, drop, throttle, outage, key, stats, quit)"
        }
    }
}
