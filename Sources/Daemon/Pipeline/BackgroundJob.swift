import Foundation

/// Work started on a thread of its own and joined later by the thread that started it (a fork–join pair for the
/// synchronous pipeline thread, which must not block the cooperative pool). `wait()` must be called exactly once.
final class BackgroundJob<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, any Error>?

    init(name: String, _ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until the work has finished; returns its value or rethrows its error.
    func wait() throws -> Value {
        done.wait()
        guard let result else { throw CancellationError() } // unreachable: set before the signal
        return try result.get()
    }
}
