import ControlAPI
import Engine
import Entities
import Foundation
import Testing

/// Issue #14 item 7: ingestion streams. A real `transtokd` ingests a `.tsv.gz` that decompresses to 208 MiB while its
/// peak resident memory (the kernel's high-water mark, reset once the daemon is idle) stays within a bound far below
/// the file's size. Reading the file whole, then its lines, then its pairs (as before) takes well over 1 GiB here.
@Suite(.serialized) struct IngestMemoryTests {
    static let decompressedMiB = 208
    static let boundMiB = 96

    @Test func aLargeGzipFileIsIngestedInBoundedMemory() async throws {
        let daemon = try DaemonProcess(
            label: "ingest-memory",
            environment: [
                "TRANSTOK_DEBOUNCE_SECONDS": "0.2",
                // Only ingestion is measured: no refresh cycle starts.
                "TRANSTOK_MIN_NEW_PAIRS": "1000000000", "TRANSTOK_MAX_REFRESH_INTERVAL_SECONDS": "1000000",
            ])
        defer { try? FileManager.default.removeItem(atPath: daemon.root) }
        try daemon.waitUntilReady()
        let folder = daemon.root + "/incoming"
        try TinyModel.write(to: daemon.root + "/model")
        _ = try daemon.client.call(
            "POST", "/v1/workspaces",
            body: WorkspaceRequest(
                WorkspaceSpec(
                    name: "memory", sourceLanguage: "en", targetLanguage: "es", sourceModel: daemon.root + "/model",
                    parallelDirectories: [folder]), createDirectories: true), as: WorkspaceStatus.self)

        let staging = daemon.root + "/big.tsv.gz"
        let pairs = try await LargeCorpus.writeGzipTSV(to: staging, decompressedBytes: Self.decompressedMiB << 20)
        try await Task.sleep(for: .seconds(1))
        let pid = daemon.process.processIdentifier
        let idle = try #require(ProcessMemory.kib("VmRSS", pid: pid))
        try ProcessMemory.resetPeak(pid: pid)
        try FileManager.default.moveItem(atPath: staging, toPath: folder + "/big.tsv.gz")

        let deadline = Date().addingTimeInterval(900)
        var ingested = 0
        while Date() < deadline {
            // Counting pairs scans the table: slow on a loaded machine while the file is applied.
            let client = ControlClient(socketPath: daemon.socket, timeoutSeconds: 120)
            if let counts = try? client.call("GET", "/v1/status", as: StatusResponse.self).0.counts {
                ingested = counts.pairs
                if counts.pairs == pairs || counts.filesRejected > 0 { break }
            }
            if !daemon.process.isRunning { break }
            try await Task.sleep(for: .seconds(1))
        }
        let peak = try #require(ProcessMemory.kib("VmHWM", pid: pid))
        let log = String(daemon.log.suffix(2000))
        #expect(ingested == pairs, "\(ingested) of \(pairs) pairs ingested:\n\(log)")
        let aboveIdleMiB = (peak - idle) / 1024
        #expect(
            aboveIdleMiB < Self.boundMiB,
            "peak RSS \(peak / 1024) MiB, \(aboveIdleMiB) MiB above idle, for \(Self.decompressedMiB) MiB of text")
    }
}

/// Memory figures of a process from `/proc/<pid>/status`.
enum ProcessMemory {
    static func kib(_ field: String, pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// Resets the peak (`VmHWM`) to the current resident size (`clear_refs` 5, Linux 4.0+).
    static func resetPeak(pid: Int32) throws {
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }
}

/// `Engine.SyntheticCorpus`'s pairs, gzipped.
enum LargeCorpus {
    /// Writes `path` (gzip -1 of about `decompressedBytes` of TSV) and returns its number of pairs.
    static func writeGzipTSV(to path: String, decompressedBytes: Int) async throws -> Int {
        let plain = String(path.dropLast(3))
        FileManager.default.createFile(atPath: plain, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: plain))
        let pairs = try SyntheticCorpus.tsv(decompressedBytes: decompressedBytes) {
            try handle.write(contentsOf: $0)
        }
        try handle.close()
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-1", "-f", plain]
        try await gzip.runToExit()
        guard gzip.terminationStatus == 0 else {
            throw DaemonTestError("gzip failed with status \(gzip.terminationStatus)")
        }
        return pairs
    }
}

extension Process {
    /// Runs the process and waits for its exit without blocking a thread of the cooperative pool.
    func runToExit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            terminationHandler = { _ in continuation.resume() }
            do { try run() } catch {
                terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}
