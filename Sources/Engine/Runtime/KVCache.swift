/// Keys and values of every layer for the positions a sequence has seen so far (`count`), grown on demand.
/// A cache belongs to one sequence; `copy()` forks it (beam search).
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    public let kvDim: Int
    /// Positions stored.
    public private(set) var count: Int = 0
    private(set) var capacity: Int
    private var keys: [UnsafeMutablePointer<Float>]
    private var values: [UnsafeMutablePointer<Float>]

    init(layerCount: Int, kvDim: Int, capacity: Int = 64) {
        self.layerCount = layerCount
        self.kvDim = kvDim
        self.capacity = max(1, capacity)
        keys = (0..<layerCount).map { _ in .allocate(capacity: max(1, capacity) * kvDim) }
        values = (0..<layerCount).map { _ in .allocate(capacity: max(1, capacity) * kvDim) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// An independent copy of this cache.
    public func copy() -> KVCache {
        let c = KVCache(layerCount: layerCount, kvDim: kvDim, capacity: max(count, 1))
        for l in 0..<layerCount {
            c.keys[l].update(from: keys[l], count: count * kvDim)
            c.values[l].update(from: values[l], count: count * kvDim)
        }
        c.count = count
        return c
    }

    /// Forgets positions from `length` on (e.g. to reuse a shared prompt prefix).
    public func truncate(to length: Int) {
        count = min(count, max(0, length))
    }

    /// Makes room for `extra` more positions.
    func reserve(_ extra: Int) {
        let needed = count + extra
        guard needed > capacity else { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        for l in 0..<layerCount {
            keys[l] = Self.grow(keys[l], used: count * kvDim, to: newCapacity * kvDim)
            values[l] = Self.grow(values[l], used: count * kvDim, to: newCapacity * kvDim)
        }
        capacity = newCapacity
    }

    private static func grow(_ p: UnsafeMutablePointer<Float>, used: Int, to size: Int) -> UnsafeMutablePointer<Float> {
        let q = UnsafeMutablePointer<Float>.allocate(capacity: size)
        q.update(from: p, count: used)
        p.deallocate()
        return q
    }

    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys[layer] }
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values[layer] }

    /// Records that `n` positions were written after the current ones (all layers done).
    func advance(by n: Int) { count += n }

    /// Bytes held (for status reports).
    public var bytes: Int { 2 * layerCount * capacity * kvDim * MemoryLayout<Float>.size }
}
