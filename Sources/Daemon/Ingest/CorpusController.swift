import Foundation
import Logging
import Store
import Systems

/// What a scan or a batch of file events did.
struct ScanSummary: Codable, Sendable, Equatable {
    var filesSeen = 0
    var ingested = 0
    var unchanged = 0
    var rejected = 0
    var pending = 0
    /// Seen by a scan while possibly still being written: checked again after the settle time.
    var unsettled = 0
    var retracted = 0
    var pairsAdded = 0
    var pairsRetracted = 0

    var changedCorpus: Bool { pairsAdded > 0 || pairsRetracted > 0 }
}

/// Owns ingestion: every scan and every batch of events runs on one serial queue (file reads, hashing and SQLite
/// writes are blocking work that must stay off the cooperative pool, and two scans must never interleave).
final class CorpusController: Sendable {
    let store: Store
    let logger: Logger
    private let ingestor: CorpusIngestor
    private let queue = DispatchQueue(label: "transtok.ingest")
    /// Called (on the ingest queue) with the ids of workspaces whose corpus changed.
    private let onChange: @Sendable (Set<Int64>) -> Void

    /// How long a file must be left unmodified before a scan ingests it (events need none: they follow a close).
    let settleSeconds: Double

    init(store: Store, logger: Logger, settleSeconds: Double = 0, onChange: @escaping @Sendable (Set<Int64>) -> Void) {
        self.settleSeconds = settleSeconds
        self.store = store
        self.logger = logger
        self.ingestor = CorpusIngestor(store: store, logger: logger)
        self.onChange = onChange
    }

    /// Every watched folder with its workspace.
    func watchedRoots() throws -> [(root: String, workspace: WorkspaceRecord)] {
        try store.workspaces().flatMap { workspace in
            workspace.spec.parallelDirectories.map { (root: $0, workspace: workspace) }
        }
    }

    /// A full scan (all workspaces, or the named one): new and changed files are ingested, files gone from disk are
    /// retracted. This is the source of truth; inotify events only make it faster. With `settle` (the watcher's
    /// scans, which cannot know whether a writer is done), a file modified in the last `settleSeconds` is left for a
    /// re-check once that time has passed, so a file being copied is never ingested truncated.
    func scan(workspace name: String? = nil, settle: Bool = false) async throws -> ScanSummary {
        try await onQueue { try self.scanNow(workspace: name, settle: settle) }
    }

    /// `scan` for a control-API request: a caller past the request time limit stops waiting (the scan runs to its
    /// end on the ingest queue, each file in its own transaction).
    func scanForRequest(workspace name: String?) async throws -> ScanSummary {
        try await Blocking.detachable(on: queue) { try self.scanNow(workspace: name, settle: false) }
    }

    /// Processes paths reported by the watcher.
    func process(paths: Set<String>) async throws -> ScanSummary {
        try await onQueue {
            let roots = try self.watchedRoots()
            var summary = ScanSummary()
            var changed = Set<Int64>()
            var paths = paths
            for (root, workspace) in roots {
                let changedHere = paths.filter { $0 == root || $0.hasPrefix(root + "/") }
                guard !changedHere.isEmpty else { continue }
                let stored = try self.store.corpusFiles(workspaceID: workspace.id).map(\.path)
                paths.formUnion(SymlinkDependents.of(Array(changedHere), root: root, among: stored))
            }
            for path in paths.sorted() {
                for (root, workspace) in roots where path == root || path.hasPrefix(root + "/") {
                    self.record(
                        self.ingestor.process(path: path, root: root, workspace: workspace), in: &summary,
                        workspace: workspace.id, changed: &changed)
                }
            }
            if !changed.isEmpty { self.onChange(changed) }
            return summary
        }
    }

    private func scanNow(workspace name: String?, settle: Bool) throws -> ScanSummary {
        var summary = ScanSummary()
        var changed = Set<Int64>()
        var unsettled = Set<String>()
        let settledBefore = settle && settleSeconds > 0 ? Date().addingTimeInterval(-settleSeconds) : nil
        for (root, workspace) in try watchedRoots() where name == nil || workspace.spec.name == name {
            var seen = Set<String>()
            for path in Self.listFiles(under: root) {
                seen.insert(path)
                summary.filesSeen += 1
                let outcome = ingestor.process(
                    path: path, root: root, workspace: workspace, settledBefore: settledBefore)
                if outcome == .unsettled { unsettled.insert(path) }
                record(outcome, in: &summary, workspace: workspace.id, changed: &changed)
            }
            // Files the store knows under this root that are no longer on disk.
            for file in try store.corpusFiles(workspaceID: workspace.id)
            where file.state != .retracted && file.path.hasPrefix(root + "/") && !seen.contains(file.path) {
                record(
                    ingestor.process(path: file.path, root: root, workspace: workspace), in: &summary,
                    workspace: workspace.id, changed: &changed)
            }
        }
        if !changed.isEmpty { onChange(changed) }
        if !unsettled.isEmpty { recheck(unsettled) }
        logger.debug(
            "scan finished",
            metadata: [
                "scan.files": "\(summary.filesSeen)", "scan.ingested": "\(summary.ingested)",
                "scan.rejected": "\(summary.rejected)", "pairs.added": "\(summary.pairsAdded)",
                "pairs.retracted": "\(summary.pairsRetracted)",
            ])
        return summary
    }

    private func record(
        _ outcome: CorpusIngestor.Outcome, in summary: inout ScanSummary, workspace: Int64, changed: inout Set<Int64>
    ) {
        switch outcome {
        case .ingested(let change):
            summary.ingested += 1
            summary.pairsAdded += change.added
            summary.pairsRetracted += change.retracted
            if change.added + change.retracted > 0 { changed.insert(workspace) }
        case .retracted(let change):
            if change.retracted > 0 {
                summary.retracted += 1
                summary.pairsRetracted += change.retracted
                changed.insert(workspace)
            }
        case .unchanged: summary.unchanged += 1
        case .unsettled: summary.unsettled += 1
        case .rejected: summary.rejected += 1
        case .pending: summary.pending += 1
        case .ignored: break
        }
    }

    /// Looks at files a scan left unsettled again once the settle time has passed (on the ingest queue).
    private func recheck(_ paths: Set<String>) {
        queue.asyncAfter(deadline: .now() + settleSeconds) {
            do {
                let roots = try self.watchedRoots()
                var summary = ScanSummary()
                var changed = Set<Int64>()
                var still = Set<String>()
                let settledBefore = Date().addingTimeInterval(-self.settleSeconds)
                for path in paths.sorted() {
                    for (root, workspace) in roots where path.hasPrefix(root + "/") {
                        let outcome = self.ingestor.process(
                            path: path, root: root, workspace: workspace, settledBefore: settledBefore)
                        if outcome == .unsettled { still.insert(path) }
                        self.record(outcome, in: &summary, workspace: workspace.id, changed: &changed)
                    }
                }
                if !changed.isEmpty { self.onChange(changed) }
                if !still.isEmpty { self.recheck(still) }
            } catch {
                self.logger.error("re-checking unsettled files failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Regular files and symlinks below `root` (not following symlinked folders), sorted for a stable order.
    static func listFiles(under root: String) -> [String] {
        var files: [String] = []
        var stack = [root]
        while let directory = stack.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for name in names {
                let path = directory + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: stack.append(path)
                case S_IFREG, S_IFLNK: files.append(path)
                default: continue
                }
            }
        }
        return files.sorted()
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Blocking.run(on: queue, work)
    }
}
