import ControlAPI

/// One metric family: a name, its help and type, and its samples, rendered as one group (HELP, TYPE, then its
/// samples), as both exposition formats require.
struct MetricFamily: Sendable {
    enum Kind: String, Sendable {
        case gauge, counter, summary, info
    }

    struct Sample: Sendable {
        /// Appended to the family name: `_total` (counters), `_sum`/`_count` (summaries), `_info` (info).
        var suffix: String
        var labels: [(String, String)]
        var value: Double
    }

    /// The family name without the `_total`/`_info` suffix (OpenMetrics' family name).
    var name: String
    var help: String
    var kind: Kind
    var samples: [Sample] = []

    init(_ name: String, _ help: String, _ kind: Kind) {
        self.name = name
        self.help = help
        self.kind = kind
    }

    mutating func add(_ labels: [(String, String)] = [], _ value: Double, suffix: String? = nil) {
        let standard: String =
            switch kind {
            case .counter: "_total"
            case .info: "_info"
            case .gauge, .summary: ""
            }
        samples.append(Sample(suffix: suffix ?? standard, labels: labels, value: value))
    }
}

/// Renders families in the Prometheus text format (0.0.4) or OpenMetrics 1.0 (`# EOF`-terminated).
enum MetricsRenderer {
    static func render(_ families: [MetricFamily], format: MetricsFormat) -> String {
        var text = ""
        for family in families {
            // Prometheus 0.0.4 has no `info` type and names a counter family after its `_total` sample.
            let (declared, type): (String, String) =
                switch (format, family.kind) {
                case (.prometheus, .counter): (family.name + "_total", "counter")
                case (.prometheus, .info): (family.name + "_info", "gauge")
                default: (family.name, family.kind.rawValue)
                }
            text += "# HELP \(declared) \(escapeHelp(family.help))\n# TYPE \(declared) \(type)\n"
            for sample in family.samples {
                // Labels sorted by name: one stable rendering per series.
                let labels = sample.labels.sorted { $0.0 < $1.0 }.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }
                text += family.name + sample.suffix + (labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}")
                text += " " + number(sample.value) + "\n"
            }
        }
        if format == .openMetrics { text += "# EOF\n" }
        return text
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
