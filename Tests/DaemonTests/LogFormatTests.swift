import Foundation
import Logging
import Testing

@testable import Daemon

/// `--log-format text|json` and journald priority prefixes under systemd (#17).
@Suite struct LogFormatTests {
    let date = Date(timeIntervalSince1970: 1_796_342_400.25) // 2026-12-04T00:00:00.250Z

    @Test func textLinesCarryTimeLevelLabelAndSortedMetadata() {
        let line = DaemonLogHandler.render(
            level: .warning, message: "cannot retire", metadata: ["path": "/a b", "n": "3"], label: "transtok.daemon",
            source: "Daemon", date: date, format: .text, journald: false)
        #expect(line == "2026-12-04T00:00:00.250Z warning transtok.daemon: cannot retire n=3 path=\"/a b\"\n")
    }

    @Test func jsonLinesAreOneObjectWithStringMetadata() throws {
        let line = DaemonLogHandler.render(
            level: .info, message: "checkpoint \"published\"\nsecond line", metadata: ["checkpoint.number": "7"],
            label: "transtok.sync", source: "Sync", date: date, format: .json, journald: false)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2026-12-04T00:00:00.250Z")
        #expect(object["level"] as? String == "info" && object["label"] as? String == "transtok.sync")
        #expect(object["message"] as? String == "checkpoint \"published\"\nsecond line")
        #expect((object["metadata"] as? [String: String]) == ["checkpoint.number": "7"])
    }

    @Test func underJournaldEachLineStartsWithItsSyslogPriority() {
        let expected: [(Logger.Level, String)] = [
            (.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"), (.warning, "<4>"), (.error, "<3>"),
            (.critical, "<2>"),
        ]
        for (level, prefix) in expected {
            let text = DaemonLogHandler.render(
                level: level, message: "m", metadata: [:], label: "l", source: "s",
                date: date, format: .text, journald: true)
            #expect(text == "\(prefix)\(level.rawValue) l: m\n", "journald stamps the time itself")
            let json = DaemonLogHandler.render(
                level: level, message: "m", metadata: [:], label: "l", source: "s",
                date: date, format: .json, journald: true)
            #expect(json.hasPrefix(prefix + "{"))
        }
    }

    @Test func journalStreamMustBeThisProcessesStderr() {
        var info = stat()
        #expect(fstat(STDERR_FILENO, &info) == 0)
        #expect(DaemonLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]))
        #expect(!DaemonLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"]))
        #expect(!DaemonLogHandler.stderrIsJournal(environment: [:]))
        #expect(!DaemonLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "garbage"]))
    }

    @Test func theHandlerFiltersByLevelAndMergesMetadata() {
        let lines = LineBox()
        var logger = Logger(label: "t") { label in
            DaemonLogHandler(label: label, level: .info, format: .json, journald: false) { lines.append($0) }
        }
        logger[metadataKey: "workspace"] = "en-es"
        logger.debug("hidden")
        logger.error("shown", metadata: ["error": "boom"])
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains(#""metadata":{"error":"boom","workspace":"en-es"}"#) == true, "\(lines.all)")
    }

    @Test func theFormatIsAConfigKeyAFlagAndAnEnvironmentVariable() throws {
        let env = try ConfigResolver.resolve(
            flags: ConfigLayer(), environment: ["TRANSTOK_LOG_FORMAT": "json"], configFile: nil)
        #expect(env.config.logFormat == "json")
        let flag = try ConfigResolver.resolve(
            flags: ConfigLayer(logFormat: "text"), environment: ["TRANSTOK_LOG_FORMAT": "json"], configFile: nil)
        #expect(flag.config.logFormat == "text")
        #expect(throws: ConfigError.self) {
            try ConfigResolver.resolve(
                flags: ConfigLayer(), environment: ["TRANSTOK_LOG_FORMAT": "xml"], configFile: nil)
        }
        #expect(throws: (any Error).self) { try RunCommand.parse(["--log-format", "xml"]) }
        #expect(try RunCommand.parse(["--log-format", "json"]).options.logFormat == .json)
    }

    @Test func theDaemonWritesJSONLinesWithJournalPrefixesWhenStderrIsTheJournal() throws {
        // A real transtokd with a config error: its first log line goes through the bootstrap... the config error
        // itself is printed before logging starts, so run a short-lived daemon on a bad socket directory instead.
        let root = try makeTemporaryDirectory("logfmt")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let errPath = root + "/stderr"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        var info = stat()
        #expect(stat(errPath, &info) == 0)
        try "x".write(toFile: root + "/not-a-dir", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.daemon)
        process.arguments = [
            "--log-format", "json", "--state-dir", root + "/state", "--socket", root + "/not-a-dir/s.sock",
        ]
        process.environment = ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)", "PATH": "/usr/bin:/bin"]
        process.standardError = FileHandle(forWritingAtPath: errPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let logged = try String(contentsOfFile: errPath, encoding: .utf8).split(separator: "\n").filter {
            $0.hasPrefix("<")
        }
        #expect(!logged.isEmpty, "no journald-prefixed line")
        for line in logged {
            let body = line.drop { $0 != ">" }.dropFirst()
            #expect((try? JSONSerialization.jsonObject(with: Data(body.utf8))) != nil, "not JSON: \(line)")
        }
        #expect(logged.contains { $0.hasPrefix("<2>") || $0.hasPrefix("<3>") }, "\(logged)")
    }
}

final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
