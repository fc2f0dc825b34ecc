import Foundation
import Synchronization

/// Live counters of one sync, safe to read from any thread (the daemon's status endpoint polls `snapshot()`).
public final class SyncProgress: Sendable {
    private struct State {
        var totalBytes: Int64 = 0
        var uploadedBytes: Int64 = 0
        var skippedBytes: Int64 = 0
        var startedAt = Date()
        var samples: [(Date, Int64)] = []
        var currentFile: String?
    }
    private let state = Mutex(State())

    public init() {}

    public func setTotal(_ bytes: Int64) { state.withLock { $0.totalBytes = bytes; $0.startedAt = Date() } }
    public func setCurrent(_ file: String?) { state.withLock { $0.currentFile = file } }

    public func addUploaded(_ bytes: Int64) {
        state.withLock {
            $0.uploadedBytes += bytes
            let now = Date()
            $0.samples.append((now, $0.uploadedBytes))
            $0.samples.removeAll { now.timeIntervalSince($0.0) > 10 }
        }
    }

    /// Bytes that needed no upload (already remote, or parts finished before a resume).
    public func addSkipped(_ bytes: Int64) { state.withLock { $0.skippedBytes += bytes } }

    public struct Snapshot: Sendable, Equatable, Codable {
        public var totalBytes: Int64
        public var uploadedBytes: Int64
        public var skippedBytes: Int64
        public var bytesPerSecond: Double
        public var etaSeconds: Double?
        public var currentFile: String?
    }

    public func snapshot() -> Snapshot {
        state.withLock { s in
            let now = Date()
            var rate = 0.0
            if let first = s.samples.first, let last = s.samples.last, last.0 > first.0 {
                rate = Double(last.1 - first.1) / last.0.timeIntervalSince(first.0)
            } else if s.uploadedBytes > 0 {
                rate = Double(s.uploadedBytes) / max(0.001, now.timeIntervalSince(s.startedAt))
            }
            let remaining = max(0, s.totalBytes - s.uploadedBytes - s.skippedBytes)
            return Snapshot(
                totalBytes: s.totalBytes, uploadedBytes: s.uploadedBytes, skippedBytes: s.skippedBytes,
                bytesPerSecond: rate, etaSeconds: rate > 0 ? Double(remaining) / rate : nil, currentFile: s.currentFile)
        }
    }
}
