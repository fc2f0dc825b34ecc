import ControlAPI
import Entities
import Foundation
import Hummingbird
import Store
import Sync

/// `GET /v1/metrics` (and the optional TCP listener): computed at scrape time from the store, the sync workers and
/// the process itself, in the Prometheus text format or OpenMetrics (`MetricsFormat.negotiate`).
struct MetricsExporter: Sendable {
    let store: Store
    let sync: SyncService

    func render(_ format: MetricsFormat) throws -> String {
        MetricsRenderer.render(try families(), format: format)
    }

    /// The scrape reply, in the format the `Accept` header asks for (the store is read off the cooperative pool).
    func response(for request: Request) async throws -> Response {
        let format = MetricsFormat.negotiate(accept: request.headers[.accept])
        let text = try await offPool { try render(format) }
        return Response(
            status: .ok, headers: [.contentType: format.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func families() throws -> [MetricFamily] {
        var build = MetricFamily("transtok_build", "transtokd's version and the commit it was built from.", .info)
        build.add([("version", TranstokVersion.current), ("commit", TranstokVersion.commit)], 1)

        var pairs = MetricFamily("transtok_pairs", "Active (not retracted) sentence pairs.", .gauge)
        var retracted = MetricFamily(
            "transtok_pairs_retracted", "Sentence pairs retracted because no file provides them any more.", .gauge)
        var files = MetricFamily("transtok_files", "Corpus files by state.", .gauge)
        var checkpoints = MetricFamily("transtok_checkpoints", "Complete local checkpoints.", .gauge)
        var checkpointBytes = MetricFamily("transtok_checkpoint_bytes", "Size of the newest checkpoint.", .gauge)
        var lastCheckpoint = MetricFamily(
            "transtok_last_checkpoint_timestamp_seconds", "When the newest checkpoint was written (Unix time).", .gauge)
        var pairEvents = MetricFamily("transtok_pair_events", "Pair additions and retractions logged.", .counter)
        for workspace in try store.workspaces() {
            let labels = [("workspace", workspace.spec.name)]
            let counts = try store.counts(workspaceID: workspace.id)
            pairs.add(labels, Double(counts.pairs))
            retracted.add(labels, Double(counts.pairsRetracted))
            for (state, value) in [
                (CorpusFileState.ingested, counts.filesIngested), (.pending, counts.filesPending),
                (.rejected, counts.filesRejected),
            ] {
                files.add(labels + [("state", state.rawValue)], Double(value))
            }
            let stored = try store.checkpoints(workspaceID: workspace.id)
            checkpoints.add(labels, Double(stored.count))
            checkpointBytes.add(labels, Double(stored.first?.sizeBytes ?? 0))
            if let newest = stored.first { lastCheckpoint.add(labels, newest.createdAt) }
            pairEvents.add(labels, Double(try store.latestPairEvent(workspaceID: workspace.id)))
        }

        var jobs = MetricFamily(
            "transtok_job_duration_seconds", "Duration of finished jobs, by kind (sum and count).", .summary)
        for row in try store.jobDurations() {
            let labels = [("kind", row.kind.rawValue), ("state", row.state.rawValue)]
            jobs.add(labels, row.seconds, suffix: "_sum")
            jobs.add(labels, Double(row.count), suffix: "_count")
        }

        var uploaded = MetricFamily(
            "transtok_sync_uploaded_bytes", "Bytes uploaded by the last published sync of a workspace.", .gauge)
        var queued = MetricFamily("transtok_sync_queued", "Checkpoints waiting to be uploaded.", .gauge)
        var lastPublished = MetricFamily(
            "transtok_sync_last_success_timestamp_seconds", "When the newest checkpoint was published (Unix time).",
            .gauge)
        var syncErrors = MetricFamily(
            "transtok_sync_errors", "Failed sync attempts since the daemon started, by error class.", .counter)
        for (workspace, status) in sync.status().sorted(by: { $0.key < $1.key }) {
            let labels = [("workspace", workspace)]
            uploaded.add(labels, Double(status.lastBytesUploaded ?? 0))
            queued.add(labels, Double(status.queued.count))
            if let at = status.lastPublishedAt { lastPublished.add(labels, at.timeIntervalSince1970) }
            for (kind, count) in (status.errorCounts ?? [:]).sorted(by: { $0.key < $1.key }) {
                syncErrors.add(labels + [("kind", kind)], Double(count))
            }
        }
        return [build] + ProcessMetrics.families()
            + [
                pairs, retracted, files, checkpoints, checkpointBytes, lastCheckpoint, pairEvents, jobs, uploaded,
                queued,
                lastPublished, syncErrors,
            ]
    }
}
