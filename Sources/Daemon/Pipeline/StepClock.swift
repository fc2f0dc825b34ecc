import Foundation

/// Wall time of the consecutive steps of a refresh cycle.
struct StepClock {
    private(set) var laps: [(name: String, seconds: Double)] = []
    private var last = Date()

    /// Ends the current step under `name` and starts the next one.
    mutating func lap(_ name: String) {
        let now = Date()
        laps.append((name, now.timeIntervalSince(last)))
        last = now
    }

    /// The laps so far as manifest statistics: `seconds_<step name with underscores>`.
    var statistics: [String: Double] { Self.statistics(of: laps) }

    static func statistics(of laps: [(name: String, seconds: Double)]) -> [String: Double] {
        var out: [String: Double] = [:]
        for lap in laps {
            let key = "seconds_" + String(lap.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
            out[key, default: 0] += lap.seconds
        }
        return out
    }
}
