import Foundation

/// Work started on a thread of its own and joined later by the thread that started it (a fork–join pair for the
/// synchronous pipeline thread, which must not block the cooperative pool). `wait()` must be called exactly once.
final class BackgroundJob: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?

    init(name: String, _ body: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            do { try body() } catch { failure = error }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until the work has finished; rethrows its error.
    func wait() throws {
        done.wait()
        if let failure { throw failure }
    }
}
