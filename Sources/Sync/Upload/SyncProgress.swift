import Foundation
import Synchronization

/// Live counters of one sync, safe to read from any thread (the daemon's status endpoint polls `snapshot()`).
/// Bytes count while they are on the wire: a transfer (`beginTransfer`) reports the bytes its current attempt has
/// sent (libcurl's progress callback); a failed attempt's bytes stop counting when the next attempt reports from
/// zero again, so a retried part is never counted twice; `endTransfer` turns them into finished bytes.
public final class SyncProgress: Sendable {
    private struct State {
        var totalBytes: Int64 = 0
        /// Bytes of finished transfers.
        var uploadedBytes: Int64 = 0
        /// Bytes sent so far by the current attempt of each transfer in progress.
        var inFlight: [Int: Int64] = [:]
        var inFlightTotal: Int64 = 0
        var nextTransfer = 0
        var skippedBytes: Int64 = 0
        var startedAt = Date()
        var samples: [(Date, Int64)] = []
        var currentFile: String?
    }
    private let state = Mutex(State())

    public init() {}

    public func setTotal(_ bytes: Int64) {
        state.withLock {
            $0.totalBytes = bytes
            $0.startedAt = Date()
        }
    }
    public func setCurrent(_ file: String?) { state.withLock { $0.currentFile = file } }

    /// Counts `bytes` as uploaded at once (a transfer that reported no progress of its own).
    public func addUploaded(_ bytes: Int64) {
        state.withLock {
            $0.uploadedBytes += bytes
            Self.sample(&$0, force: true)
        }
    }

    /// Starts counting a transfer; returns its id.
    public func beginTransfer() -> Int {
        state.withLock {
            $0.nextTransfer += 1
            $0.inFlight[$0.nextTransfer] = 0
            return $0.nextTransfer
        }
    }

    /// The current attempt of transfer `id` has sent `sent` bytes (replaces what it reported before; a new attempt
    /// starts again from 0).
    public func transferSent(_ id: Int, _ sent: Int64) {
        state.withLock {
            guard let old = $0.inFlight[id], old != sent else { return }
            $0.inFlight[id] = sent
            $0.inFlightTotal += sent - old
            Self.sample(&$0, force: false)
        }
    }

    /// Ends transfer `id`: `uploaded` bytes count as finished (nil or 0 when it failed or was cancelled).
    public func endTransfer(_ id: Int, uploaded: Int64?) {
        state.withLock {
            guard let old = $0.inFlight.removeValue(forKey: id) else { return }
            $0.inFlightTotal -= old
            $0.uploadedBytes += uploaded ?? 0
            Self.sample(&$0, force: true)
        }
    }

    /// Rate samples of the last 10 s, at most 10 per second unless `force`.
    private static func sample(_ s: inout State, force: Bool) {
        let now = Date()
        if !force, let last = s.samples.last, now.timeIntervalSince(last.0) < 0.1 { return }
        s.samples.append((now, s.uploadedBytes + s.inFlightTotal))
        s.samples.removeAll { now.timeIntervalSince($0.0) > 10 }
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
            } else if s.uploadedBytes + s.inFlightTotal > 0 {
                rate = Double(s.uploadedBytes + s.inFlightTotal) / max(0.001, now.timeIntervalSince(s.startedAt))
            }
            let uploaded = s.uploadedBytes + s.inFlightTotal
            let remaining = max(0, s.totalBytes - uploaded - s.skippedBytes)
            return Snapshot(
                totalBytes: s.totalBytes, uploadedBytes: uploaded, skippedBytes: s.skippedBytes,
                bytesPerSecond: rate, etaSeconds: rate > 0 ? Double(remaining) / rate : nil, currentFile: s.currentFile)
        }
    }
}
