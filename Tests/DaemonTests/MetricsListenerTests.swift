import ControlAPI
import Foundation
import Testing

/// The opt-in TCP listener (`metrics_address`): a real daemon serves `GET /metrics` on loopback, in the format the
/// scraper asks for, and nothing else.
@Suite(.serialized) struct MetricsListenerTests {
    /// A loopback port nobody listens on right now (bound to 0, read back, released).
    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func prometheusScrapesTheTCPListener() throws {
        let port = try freePort()
        let daemon = try DaemonProcess(label: "metricstcp", environment: ["TRANSTOK_METRICS_ADDRESS": "\(port)"])
        try daemon.waitUntilReady()
        let url = "http://127.0.0.1:\(port)/metrics"
        var page = try runCommand(
            "/usr/bin/curl", ["-sS", "--retry", "5", "--retry-connrefused", "--retry-delay", "1", url])
        #expect(page.status == 0, "\(page.stderr)\n\(daemon.log)")
        #expect(
            page.stdout.contains(
                "transtok_build_info{commit=\"\(TranstokVersion.commit)\",version=\"\(TranstokVersion.current)\"} 1"))
        page = try runCommand(
            "/usr/bin/curl", ["-sS", "-H", "Accept: application/openmetrics-text; version=1.0.0", "-D", "-", url])
        #expect(page.stdout.lowercased().contains("content-type: application/openmetrics-text"))
        #expect(page.stdout.hasSuffix("# EOF\n"))
        let other = try runCommand(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v1/status"])
        #expect(other.stdout == "404", "the listener serves only /metrics")
        #expect(try daemon.terminate() == 0)
    }
}
