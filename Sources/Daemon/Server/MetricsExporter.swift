import Foundation
import Store
import Sync

/// `GET /v1/metrics` in the Prometheus text exposition format (version 0.0.4), computed from the store and the
/// sync workers at scrape time: everything here is a gauge or a counter that the store already keeps durably.
struct MetricsExporter: Sendable {
    let store: Store
    let sync: SyncService

    func render() throws -> String {
        var out = MetricsText()
        let workspaces = try store.workspaces()
        out.family("transtok_pairs", "Active (not retracted) sentence pairs.", type: "gauge")
        out.family("transtok_pairs_retracted", "Sentence pairs retracted because no file provides them any more.", type: "gauge")
        out.family("transtok_files", "Corpus files by state.", type: "gauge")
        out.family("transtok_checkpoints", "Complete local checkpoints.", type: "gauge")
        out.family("transtok_checkpoint_bytes", "Size of the newest checkpoint.", type: "gauge")
        out.family("transtok_pair_events_total", "Pair additions and retractions logged.", type: "counter")
        for workspace in workspaces {
            let labels = ["workspace": workspace.spec.name]
            let counts = try store.counts(workspaceID: workspace.id)
            out.sample("transtok_pairs", labels, Double(counts.pairs))
            out.sample("transtok_pairs_retracted", labels, Double(counts.pairsRetracted))
            for (state, value) in [("ingested", counts.filesIngested), ("pending", counts.filesPending), ("rejected", counts.filesRejected)] {
                out.sample("transtok_files", labels.merging(["state": state]) { $1 }, Double(value))
            }
            let checkpoints = try store.checkpoints(workspaceID: workspace.id)
            out.sample("transtok_checkpoints", labels, Double(checkpoints.count))
            out.sample("transtok_checkpoint_bytes", labels, Double(checkpoints.first?.sizeBytes ?? 0))
            out.sample("transtok_pair_events_total", labels, Double(try store.latestPairEvent(workspaceID: workspace.id)))
        }
        out.family("transtok_job_duration_seconds", "Duration of finished jobs, by kind (sum and count).", type: "summary")
        for row in try store.jobDurations() {
            out.sample("transtok_job_duration_seconds_sum", ["kind": row.kind, "state": row.state], row.seconds)
            out.sample("transtok_job_duration_seconds_count", ["kind": row.kind, "state": row.state], Double(row.count))
        }
        out.family("transtok_sync_uploaded_bytes", "Bytes uploaded by the last published sync of a workspace.", type: "gauge")
        out.family("transtok_sync_queued", "Checkpoints waiting to be uploaded.", type: "gauge")
        for (workspace, status) in sync.status().sorted(by: { $0.key < $1.key }) {
            out.sample("transtok_sync_uploaded_bytes", ["workspace": workspace], Double(status.lastBytesUploaded ?? 0))
            out.sample("transtok_sync_queued", ["workspace": workspace], Double(status.queued.count))
        }
        return out.text
    }
}

/// Builds the text format: `# HELP`/`# TYPE` lines, then `name{label="value"} number` samples.
struct MetricsText {
    private(set) var text = ""

    mutating func family(_ name: String, _ help: String, type: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        let rendered = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }
        text += name + (rendered.isEmpty ? "" : "{" + rendered.joined(separator: ",") + "}") + " \(Self.format(value))\n"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
