/// Fixed slots that parallel workers fill at distinct indices (no two writers share an index).
final class ResultSlots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    @inline(__always) func set(_ i: Int, _ value: T) { buffer[i] = value }

    /// Read after all workers have finished.
    func values() -> [T?] { Array(buffer) }
}
