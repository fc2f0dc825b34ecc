import Synchronization

/// The lock type: a `Mutex` (the standard library's, from Synchronization) in a class, so closures and objects that
/// run on other threads can share one guarded value. Guard a value with it (or with a `Mutex` stored in a class of
/// one's own) rather than pairing an `NSLock` with separate variables.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R { try mutex.withLock { try body(&$0) } }
    public var value: Value { mutex.withLock { $0 } }
}
