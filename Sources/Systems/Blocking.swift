import Foundation
import Synchronization

/// Blocking work (SQLite, file I/O, hashing, libcurl) run on threads of its own, so Swift's cooperative pool — as
/// wide as the machine, two threads here — never waits on it.
public enum Blocking {
    /// Runs `body` on a dedicated thread and awaits its result. The caller waits for `body` to finish even when its
    /// task is cancelled (for work that watches its own cancel flag, such as an upload stopping at a part boundary).
    public static func run<T: Sendable, E: Error>(
        name: String = "transtok.blocking", _ body: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        try await run(body) { work in start(name: name, work) }
    }

    /// Runs `body` on `queue` (a serial queue keeps such work in order, one at a time) and awaits it; like `run`, the
    /// caller waits for the end even when cancelled.
    public static func run<T: Sendable, E: Error>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        try await run(body) { work in queue.async(execute: work) }
    }

    private static func run<T: Sendable, E: Error>(
        _ body: @escaping @Sendable () throws(E) -> T, launch: (@escaping @Sendable () -> Void) -> Void
    ) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            launch {
                do throws(E) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Runs `body` on a dedicated thread; a cancelled caller stops waiting at once and gets `CancellationError`, while
    /// `body` runs to its end on its thread (its result is dropped). `body` does not start if the caller is already
    /// cancelled. For work that is whole on its own — one store transaction commits or not — so a deadline (the
    /// control API's request time limit) can answer while a write waits for a lock.
    public static func detachable<T: Sendable>(
        name: String = "transtok.blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await detachable(body) { work in start(name: name, work) }
    }

    /// `detachable` on `queue` (a serial queue: work that must not interleave, in order) instead of a new thread.
    /// Dispatch queues run on their own threads, never on the cooperative pool.
    public static func detachable<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await detachable(body) { work in queue.async(execute: work) }
    }

    private static func detachable<T: Sendable>(
        _ body: @escaping @Sendable () throws -> T, launch: (@escaping @Sendable () -> Void) -> Void
    ) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                guard outcome.wait(with: continuation) else { return }
                launch { outcome.finish(Result { try body() }) }
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    /// Runs `count` copies of `body(index)` on their own threads and waits for all of them (blocking: call it from a
    /// thread of its own, never from the cooperative pool).
    public static func parallel(_ count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            start(name: "\(name)-\(i)") {
                body(i)
                group.leave()
            }
        }
        group.wait()
    }

    private static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// The one resumption of a `detachable` call's continuation: by the work's result or by cancellation, whichever
/// comes first (the other is dropped).
private final class Outcome<T: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<T, any Error>)
        /// Finished (or cancelled) before the continuation was handed over.
        case early(Result<T, any Error>)
        case done
    }

    private let state = Mutex<State>(.idle)

    /// Hands over the continuation; false (and the continuation resumed) when the outcome is already known.
    func wait(with continuation: CheckedContinuation<T, any Error>) -> Bool {
        let early: Result<T, any Error>? = state.withLock { state in
            switch state {
            case .idle:
                state = .waiting(continuation)
                return nil
            case .early(let result):
                state = .done
                return result
            case .waiting, .done:
                return .failure(CancellationError())
            }
        }
        guard let early else { return true }
        continuation.resume(with: early)
        return false
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            switch state {
            case .idle:
                state = .early(result)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .early, .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
