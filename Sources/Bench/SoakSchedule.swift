import Foundation

/// What the soak does to the daemon, its folder, its disk and its S3 server.
enum SoakEvent: String, CaseIterable, Codable {
    case add, edit, delete, gzip, malformed, symlinkInside = "symlink-inside", symlinkOutside = "symlink-outside"
    case halfWritten = "half-written"
    case sigterm, kill9 = "kill-9"
    case s3Reset = "s3-reset", s3Error500 = "s3-500", s3Slow = "s3-slow", s3Outage = "s3-outage"
    case credentialRotation = "credential-rotation", diskFull = "disk-full"

    /// Relative frequency after the first round (which has each kind once).
    var weight: Int {
        switch self {
        case .add, .edit: 6
        case .delete, .gzip: 4
        case .malformed, .symlinkInside, .symlinkOutside, .halfWritten: 2
        case .sigterm, .kill9: 2
        case .s3Reset, .s3Error500, .s3Slow: 2
        case .s3Outage, .credentialRotation, .diskFull: 1
        }
    }

    var isFault: Bool {
        switch self {
        case .s3Reset, .s3Error500, .s3Slow, .s3Outage, .credentialRotation, .diskFull: true
        default: false
        }
    }
}

/// The seeded schedule: every kind once (shuffled), then weighted draws.
struct SoakSchedule {
    private var rng: SoakRandom
    private var firstRound: [SoakEvent]

    init(seed: UInt64) {
        rng = SoakRandom(seed: seed)
        firstRound = SoakEvent.allCases.shuffled(using: &rng)
    }

    var firstRoundDone: Bool { firstRound.isEmpty }

    mutating func next() -> SoakEvent {
        if !firstRound.isEmpty { return firstRound.removeFirst() }
        let total = SoakEvent.allCases.reduce(0) { $0 + $1.weight }
        var pick = Int.random(in: 0..<total, using: &rng)
        for event in SoakEvent.allCases {
            if pick < event.weight { return event }
            pick -= event.weight
        }
        return .add
    }
}

/// The figures a soak prints at the end (and as one JSON line for the test).
struct SoakReport: Codable {
    var seed: UInt64
    var minutes: Double
    var wallSeconds: Double = 0
    var events: [String: Int] = [:]
    var eventsSurvived = 0
    var restartsSigterm = 0
    var restartsKill9 = 0
    var slowestSigtermStopSeconds = 0.0
    var slowestSigtermStopIdleOrUploadSeconds = 0.0
    var sigtermsDuringCycle = 0
    var slowestSigtermStopDuringCycleSeconds = 0.0
    var faults: [String: Int] = [:]
    var checks = 0
    var violations: [String] = []
    var peakRSSMiB = 0
    var rssBoundMiB = 0
    var pairsExpected = 0
    var filesInFolder = 0
    var checkpointsPublishedRemote = 0
    var proxyConnections = 0
    var proxyFaultsApplied = 0
    var proxyKeyRejections = 0
    var proxyOutageResets = 0

    func printed() -> String {
        var lines: [String] = []
        lines.append(
            String(
                format: "transtok-bench soak: seed %llu, %.1f min planned, %.1f min wall", seed, minutes,
                wallSeconds / 60))
        lines.append("  events survived          \(eventsSurvived)")
        for (name, count) in events.sorted(by: { $0.key < $1.key }) {
            lines.append("    " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + "\(count)")
        }
        lines.append(
            "  restarts                 \(restartsSigterm + restartsKill9) (SIGTERM \(restartsSigterm), kill -9 \(restartsKill9); slowest SIGTERM stop \(String(format: "%.2f", slowestSigtermStopSeconds)) s)"
        )
        lines.append(
            "    SIGTERM stops           slowest \(String(format: "%.2f", slowestSigtermStopIdleOrUploadSeconds)) s idle or uploading (bound 10 s); \(sigtermsDuringCycle) during a refresh cycle (cancelled at a step boundary): slowest \(String(format: "%.2f", slowestSigtermStopDuringCycleSeconds)) s (bound 10 s)"
        )
        lines.append("  faults injected          \(faults.values.reduce(0, +))")
        for (name, count) in faults.sorted(by: { $0.key < $1.key }) {
            lines.append("    " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + "\(count)")
        }
        lines.append(
            "  proxy                    \(proxyConnections) connections, \(proxyFaultsApplied) scripted faults applied, \(proxyKeyRejections) refused for a retired key, \(proxyOutageResets) cut or refused by outages"
        )
        lines.append("  invariant checks         \(checks)")
        lines.append("  invariant violations     \(violations.count)")
        for v in violations.prefix(50) { lines.append("    " + v) }
        lines.append("  peak RSS                 \(peakRSSMiB) MiB (bound \(rssBoundMiB) MiB)")
        lines.append(
            "  at the end               \(pairsExpected) pairs expected from \(filesInFolder) files; \(checkpointsPublishedRemote) checkpoints on the remote"
        )
        return lines.joined(separator: "\n")
    }
}
