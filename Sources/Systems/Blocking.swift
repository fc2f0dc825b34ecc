import Foundation

/// Moving blocking work (libcurl, SQLite, file I/O, process waits, long computations) off Swift's cooperative pool.
/// The pool has one thread per core (two here): a task that blocks one of them stalls every other task, so blocking
/// work runs on a thread of its own and the task awaits its result.
public enum Blocking {
    /// Runs `body` on a new thread named `name` and returns (or throws) what it did; the awaiting task is suspended,
    /// not blocked. Cancellation of the awaiting task does not interrupt `body` (pass it a flag to poll).
    public static func run<T: Sendable, Failure: Error>(
        name: String = "transtok.blocking", _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(Failure) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
        return try result.get()
    }

    /// Runs `body` on `queue` (a serial queue keeps such work in order, one at a time) and awaits it.
    public static func run<T: Sendable, Failure: Error>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(Failure) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Runs `count` copies of `body(index)` on their own threads and waits for all of them (this call blocks: use it
    /// from a thread that may block, e.g. inside `run`).
    public static func parallel(_ count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                body(index)
                group.leave()
            }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }
}
