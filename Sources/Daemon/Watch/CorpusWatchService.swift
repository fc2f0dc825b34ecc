import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps the store in step with the watched folders: a full scan at start-up (files that arrived while the daemon
/// was down), inotify events debounced into batches, and a periodic full rescan (events are hints, scans are the
/// truth). The blocking inotify loop runs on its own thread, never on the cooperative pool.
struct CorpusWatchService: Service, CustomStringConvertible {
    let controller: CorpusController
    let debounce: Duration
    let rescanInterval: Duration
    let logger: Logger
    /// Bumped when workspaces change so the watcher re-reads its roots.
    let rootsGeneration: RootsGeneration

    var description: String { "CorpusWatchService" }

    /// Batches waiting for ingestion, and changed paths collected into one batch, before falling back to a rescan.
    static let maxQueuedBatches = 16
    static let maxPendingPaths = 10_000

    enum Batch: Sendable {
        case paths(Set<String>)
        case fullScan(reason: String)
    }

    func run() async throws {
        do { _ = try await controller.scan(settle: true) } catch {
            logger.error("start-up scan failed", metadata: ["error": "\(error)"])
        }
        // Bounded: when ingestion falls behind, new batches are dropped and replaced by one full rescan (scans are
        // the truth), so a burst of events never grows memory without limit.
        let (batches, continuation) = AsyncStream.makeStream(
            of: Batch.self, bufferingPolicy: .bufferingOldest(Self.maxQueuedBatches))
        let stop = StopFlag()
        let thread = Thread { [controller, logger, debounce, rescanInterval, rootsGeneration] in
            WatchLoop(
                controller: controller, logger: logger, debounce: debounce, rescanInterval: rescanInterval,
                rootsGeneration: rootsGeneration, stop: stop, output: continuation
            ).run()
        }
        thread.name = "transtok.inotify"
        thread.start()
        await withGracefulShutdownHandler {
            for await batch in batches {
                do {
                    switch batch {
                    case .paths(let paths):
                        logger.debug("file events", metadata: ["paths": "\(paths.count)"])
                        _ = try await controller.process(paths: paths)
                    case .fullScan(let reason):
                        logger.info("full rescan", metadata: ["reason": "\(reason)"])
                        _ = try await controller.scan(settle: true)
                    }
                } catch {
                    logger.error("ingest failed", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            stop.value.store(true, ordering: .relaxed)
        }
    }
}

final class StopFlag: Sendable { let value = Atomic<Bool>(false) }

final class RootsGeneration: Sendable {
    let value = Atomic<Int>(0)
    func bump() { value.add(1, ordering: .relaxed) }
}

/// The watcher thread's loop: polls inotify, debounces changed paths, schedules periodic rescans, and rebuilds the
/// watch set when workspaces change.
private struct WatchLoop {
    let controller: CorpusController
    let logger: Logger
    let debounce: Duration
    let rescanInterval: Duration
    let rootsGeneration: RootsGeneration
    let stop: StopFlag
    let output: AsyncStream<CorpusWatchService.Batch>.Continuation

    func run() {
        var watcher: InotifyWatcher?
        var generation = -1
        var pending = Set<String>()
        var lastEvent = ContinuousClock.now
        var lastScan = ContinuousClock.now
        /// A batch was dropped (the queue was full): a full rescan is owed.
        var rescanOwed = false
        func send(_ batch: CorpusWatchService.Batch) {
            if case .dropped = output.yield(batch) { rescanOwed = true }
        }
        defer { output.finish() }
        while !stop.value.load(ordering: .relaxed) {
            if rescanOwed, case .enqueued = output.yield(.fullScan(reason: "file events arrived faster than ingestion"))
            {
                rescanOwed = false
                pending.removeAll()
            }
            let current = rootsGeneration.value.load(ordering: .relaxed)
            if current != generation {
                let first = generation < 0
                generation = current
                watcher = makeWatcher()
                // Files that landed between the folders being added and the watches existing are found by a scan
                // (the start-up scan already covers the first set of watches).
                if !first { send(.fullScan(reason: "watched folders changed")) }
            }
            // Wait at most until the pending paths' debounce window closes, so a batch is handed on when it does.
            var timeout = 250
            if !pending.isEmpty {
                let remaining = debounce - (ContinuousClock.now - lastEvent)
                timeout = max(0, min(250, Int((remaining / .milliseconds(1)).rounded(.up))))
            }
            var events: [WatchEvent] = []
            if let watcher {
                do { events = try watcher.poll(timeoutMilliseconds: Int32(timeout)) } catch {
                    logger.error("inotify", metadata: ["error": "\(error)"])
                    send(.fullScan(reason: "watcher error"))
                    usleep(250_000)
                }
            } else {
                usleep(250_000)
            }
            let now = ContinuousClock.now
            for event in events {
                switch event {
                case .changed(let path), .removed(let path):
                    if pending.count >= CorpusWatchService.maxPendingPaths, !pending.contains(path) {
                        // Too many distinct paths for one batch: a rescan covers them all in bounded memory.
                        pending.removeAll()
                        rescanOwed = true
                    } else if !rescanOwed {
                        pending.insert(path)
                    }
                    lastEvent = now
                case .writing(let path):
                    // Written again after the close that reported it: complete only at its next close.
                    pending.remove(path)
                case .rescan(let reason):
                    pending.removeAll()
                    lastScan = now
                    send(.fullScan(reason: reason))
                }
            }
            if !pending.isEmpty, now - lastEvent >= debounce {
                send(.paths(pending))
                pending.removeAll()
            }
            if now - lastScan >= rescanInterval {
                lastScan = now
                send(.fullScan(reason: "periodic rescan"))
            }
        }
    }

    private func makeWatcher() -> InotifyWatcher? {
        do {
            let roots = try controller.watchedRoots().map(\.root)
            let watcher = try InotifyWatcher(roots: roots)
            try watcher.watchAll()
            return watcher
        } catch {
            logger.error("cannot watch folders; relying on periodic rescans", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
