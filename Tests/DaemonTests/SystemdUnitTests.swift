import Foundation
import Testing

/// `etc/transtokd.service` as systemd reads it (`systemd-analyze verify`, which must print nothing), and the
/// settings the daemon's behaviour relies on.
@Suite struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let unit = repository.appendingPathComponent("etc/transtokd.service").path

    /// `Key=value` settings of the unit (comments and sections dropped; repeated keys in order).
    func settings() throws -> [(String, String)] {
        try String(contentsOfFile: Self.unit, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }

    func values(_ key: String) throws -> [String] { try settings().filter { $0.0 == key }.map(\.1) }

    @Test func systemdAnalyzeVerifiesTheUnitWithoutAWarning() throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(
            FileManager.default.isExecutableFile(atPath: analyze),
            "systemd-analyze is missing: apt-get install systemd (scripts/setup.sh does)")
        // The unit names the installed binary; verify the same text with the binary this build produced.
        let directory = try makeTemporaryDirectory("unit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/transtokd", with: Binaries.daemon)
        let copy = directory + "/transtokd.service"
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try runCommand(analyze, ["verify", copy])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "systemd-analyze warns: \(result.stderr)")
    }

    @Test func aConfigErrorIsNotRestarted() throws {
        #expect(try values("RestartPreventExitStatus").joined(separator: " ").split(separator: " ").contains("78"))
    }

    @Test func theSocketGroupWorksWithADynamicUser() throws {
        guard try values("DynamicUser").last == "yes" else { return }
        let group = try values("Environment").compactMap { entry -> String? in
            entry.hasPrefix("TRANSTOK_SOCKET_GROUP=") ? String(entry.dropFirst("TRANSTOK_SOCKET_GROUP=".count)) : nil
        }.last
        if let group {
            #expect(
                try values("SupplementaryGroups").joined(separator: " ").split(separator: " ").contains(
                    Substring(group)))
        }
    }

    /// Every `Documentation=` file is installed by a step that etc/README.md documents.
    @Test func documentationIsInstalledByADocumentedStep() throws {
        let readme = try String(
            contentsOfFile: Self.repository.appendingPathComponent("etc/README.md").path, encoding: .utf8)
        let files = try values("Documentation").flatMap { $0.split(separator: " ") }.filter { $0.hasPrefix("file://") }
        #expect(!files.isEmpty)
        for file in files {
            let path = file.dropFirst("file://".count)
            #expect(
                readme.contains("install -D -m 0644") && readme.contains(String(path)), "no install step for \(path)")
        }
    }

    @Test func theDaemonExits78OnAConfigError() throws {
        let directory = try makeTemporaryDirectory("exconfig")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/transtokd.json"
        try #"{"socket": "/tmp/x.sock", "log_levle": "info"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runCommand(Binaries.daemon, ["--config", config, "--state-dir", directory + "/state"])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("log_levle"))
    }
}
