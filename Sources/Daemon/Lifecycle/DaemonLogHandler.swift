import Foundation
import Logging

/// How the daemon writes its log lines (`--log-format`, `log_format`, `TRANSTOK_LOG_FORMAT`).
enum LogFormat: String, CaseIterable, Codable, Sendable {
    /// `2026-12-04T23:40:00.123Z info transtok.daemon: message key=value`, one line per record.
    case text
    /// One JSON object per line: `time` (RFC 3339), `level`, `label`, `message`, `metadata` (strings), `source`.
    case json
}

/// The daemon's swift-log handler: text or JSON lines on stderr. Under systemd (stderr is the journal stream named by
/// `JOURNAL_STREAM`) each line starts with its syslog priority (`<3>` for an error, sd-daemon(3)) so that journald
/// records the level, and text lines leave the time to journald.
struct DaemonLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let journald: Bool
    let write: @Sendable (String) -> Void

    init(
        label: String, level: Logger.Level, format: LogFormat, journald: Bool,
        write: @escaping @Sendable (String) -> Void = DaemonLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.journald = journald
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(
            Self.render(
                level: event.level, message: "\(event.message)", metadata: merged, label: label,
                source: event.source, date: Date(), format: format, journald: journald))
    }

    /// One record as its line (with the newline).
    static func render(
        level: Logger.Level, message: String, metadata: Logger.Metadata, label: String, source: String,
        date: Date, format: LogFormat, journald: Bool
    ) -> String {
        let prefix = journald ? "<\(syslogPriority(level))>" : ""
        switch format {
        case .text:
            let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\(textValue($0.value))" }.joined(
                separator: " ")
            let time = journald ? "" : timestamp(date) + " "
            let body = message.replacingOccurrences(of: "\n", with: "\\n")
            return prefix + time + "\(level.rawValue) \(label): \(body)" + (fields.isEmpty ? "" : " " + fields) + "\n"
        case .json:
            var object: [String: Any] = [
                "time": timestamp(date), "level": level.rawValue, "label": label, "message": message, "source": source,
            ]
            if !metadata.isEmpty { object["metadata"] = metadata.mapValues(jsonValue) }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data(#"{"message":"unencodable log record"}"#.utf8)
            return prefix + String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// syslog(3) priorities, as journald reads them from a `<N>` prefix.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// True when stderr is the journal stream systemd connected: `JOURNAL_STREAM` is `DEVICE:INODE` of that stream
    /// (systemd.exec(5)); a child process that inherited the variable but writes elsewhere gets plain lines.
    static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static func textValue(_ value: Logger.Metadata.Value) -> String {
        let text = "\(value)"
        return text.contains(where: { $0 == " " || $0 == "\"" || $0 == "\n" || $0 == "=" })
            ? "\""
                + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
            : text
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let items): items.map(jsonValue)
        case .dictionary(let d): d.mapValues(jsonValue)
        }
    }

    @Sendable static func standardError(_ line: String) {
        Array(line.utf8).withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(STDERR_FILENO, base + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
