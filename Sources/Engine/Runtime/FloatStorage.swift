/// Read-only F32 values the model computes with: either owned (dequantised once at load) or borrowed from a mapped
/// file, in which case `owner` keeps the mapping alive.
public final class FloatStorage: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let count: Int
    private let owned: UnsafeMutablePointer<Float>?
    private let owner: AnyObject?

    /// Takes a copy of `values`.
    public init(_ values: [Float]) {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.initialize(from: base, count: values.count) }
        }
        owned = p
        pointer = UnsafePointer(p)
        count = values.count
        owner = nil
    }

    /// Borrows `count` floats at `pointer`; `owner` must keep them valid for the storage's life.
    public init(borrowing pointer: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owned = nil
        self.owner = owner
    }

    /// Whether the values are borrowed from a mapped file rather than held in memory.
    public var isBorrowed: Bool { owned == nil }

    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }

    deinit { owned?.deallocate() }
}
