import ControlAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Daemon

/// `GET /v1/metrics` in both exposition formats, parsed by the reference Python client (prometheus_client, through
/// `scripts/reference/parse_metrics.py`): one group per family, the OpenMetrics `# EOF`, and the series operators
/// expect (build info, process metrics).
@Suite struct MetricsFormatTests {
    struct Parsed: Decodable {
        struct Family: Decodable {
            struct Sample: Decodable {
                var name: String
                var labels: [String: String]
                var value: Double?
            }
            var name: String
            var type: String
            var samples: [Sample]
        }
        var families: [Family]

        func family(_ name: String) -> Family? { families.first { $0.name == name } }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/reference/parse_metrics.py").path

    /// Runs the reference parser; a page it refuses fails the test with the parser's message.
    func parse(_ text: String, as format: MetricsFormat) throws -> Parsed {
        let page = NSTemporaryDirectory() + "metrics-\(UUID().uuidString).txt"
        try text.write(toFile: page, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: page) }
        let result = try runCommand("/usr/bin/env", ["python3", Self.script, format.rawValue, page])
        try #require(result.status == 0, "prometheus_client refused the \(format) page: \(result.stderr)\n\(text)")
        return try JSONDecoder().decode(Parsed.self, from: Data(result.stdout.utf8))
    }

    func scrape(accept: String?) async throws -> (contentType: String?, text: String) {
        let daemon = try InProcessDaemon(label: "metrics")
        defer { daemon.removeFiles() }
        return try await daemon.test { client in
            let response = try await client.execute(
                uri: ControlEndpoints.Metrics.path, method: .get, headers: accept.map { [.accept: $0] } ?? [:])
            #expect(response.status == .ok)
            return (response.headers[.contentType], String(buffer: response.body))
        }
    }

    @Test func prometheusTextFormatParses() async throws {
        let (contentType, text) = try await scrape(accept: nil)
        #expect(contentType == MetricsFormat.prometheus.contentType)
        #expect(!text.contains("# EOF"))
        let parsed = try parse(text, as: .prometheus)
        let build = try #require(parsed.family("transtok_build_info"))
        #expect(build.samples.first?.labels["version"] == TranstokVersion.current)
        #expect(build.samples.first?.labels["commit"] == TranstokVersion.commit)
        let resident = try #require(parsed.family("process_resident_memory_bytes")?.samples.first?.value)
        #expect(resident > 1_000_000)
        #expect(try #require(parsed.family("process_open_fds")?.samples.first?.value) > 2)
        let start = try #require(parsed.family("process_start_time_seconds")?.samples.first?.value)
        #expect(abs(start - Date().timeIntervalSince1970) < 3600, "the process started within the hour: \(start)")
        #expect(parsed.family("process_cpu_seconds")?.type == "counter")
        for name in [
            "transtok_pairs", "transtok_files", "transtok_last_checkpoint_timestamp_seconds", "transtok_sync_errors",
        ] {
            #expect(parsed.family(name) != nil, "\(name) missing")
        }
    }

    @Test func openMetricsIsNegotiatedAndParses() async throws {
        let (contentType, text) = try await scrape(
            accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
        #expect(contentType == MetricsFormat.openMetrics.contentType)
        #expect(text.hasSuffix("# EOF\n"))
        let parsed = try parse(text, as: .openMetrics)
        #expect(parsed.family("transtok_build")?.type == "info")
        #expect(parsed.family("process_cpu_seconds")?.samples.first?.name == "process_cpu_seconds_total")
        #expect(parsed.family("transtok_pair_events")?.type == "counter")
    }

    /// A family's samples follow its own HELP/TYPE lines, whatever the order of workspaces and labels.
    @Test func rendererGroupsSamplesUnderTheirFamily() throws {
        var a = MetricFamily("t_a", "help with \\ and\nnewline", .gauge)
        a.add([("workspace", "one")], 1)
        a.add([("workspace", "two \"quoted\"")], 2.5)
        var b = MetricFamily("t_b", "b", .counter)
        b.add([("workspace", "one")], 7)
        var c = MetricFamily("t_c", "c", .summary)
        c.add([("kind", "refresh")], 3.25, suffix: "_sum")
        c.add([("kind", "refresh")], 2, suffix: "_count")
        for format in MetricsFormat.allCases {
            let parsed = try parse(MetricsRenderer.render([a, b, c], format: format), as: format)
            #expect(parsed.families.map(\.name) == ["t_a", "t_b", "t_c"])
            #expect(parsed.family("t_a")?.samples.map(\.labels["workspace"]) == ["one", "two \"quoted\""])
            #expect(parsed.family("t_b")?.samples.first?.value == 7)
            #expect(parsed.family("t_c")?.samples.count == 2)
        }
    }

    @Test func metricsAddressDefaultsToLoopback() throws {
        #expect(try MetricsAddress(parsing: "9464") == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsAddress(parsing: ":9464") == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsAddress(parsing: "0.0.0.0:80") == MetricsAddress(host: "0.0.0.0", port: 80))
        #expect(try MetricsAddress(parsing: "[::1]:9464") == MetricsAddress(host: "::1", port: 9464))
        for bad in ["", "x", ":0", "host:70000", "[::1]9464"] {
            #expect(throws: ConfigError.self, "\(bad)") { try MetricsAddress(parsing: bad) }
        }
    }
}
