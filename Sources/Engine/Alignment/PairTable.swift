/// Open-addressing hash map from a co-occurring (conditioning word, generated word) pair of integer ids to a
/// dense pair index. Memory is proportional to the number of distinct pairs (16 bytes per slot at load ≤ 1/2,
/// plus 8 bytes per pair for the reverse lookup), which is what the lexical table needs anyway.
public struct PairTable: Sendable, Equatable {
    private var keys: [UInt64]
    private var slots: [Int32]
    private var mask: Int
    private var shift: UInt64
    /// Pair index → conditioning word id (`e`, 0 = NULL) and generated word id (`f`).
    public private(set) var conditioning: [Int32] = []
    public private(set) var generated: [Int32] = []

    private static let empty = UInt64.max

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: PairTable.empty, count: size)
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    public var count: Int { conditioning.count }

    @inline(__always) static func key(_ e: Int32, _ f: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: e)) << 32 | UInt64(UInt32(bitPattern: f))
    }

    @inline(__always) private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The pair's index, or -1 when the pair never co-occurred.
    @inline(__always) public func index(_ e: Int32, _ f: Int32) -> Int32 {
        let k = PairTable.key(e, f)
        var s = home(k)
        return keys.withUnsafeBufferPointer { keys in
            while true {
                let stored = keys[s]
                if stored == k { return slots[s] }
                if stored == PairTable.empty { return -1 }
                s = (s + 1) & mask
            }
        }
    }

    /// The pair's index, adding the pair if new.
    @discardableResult
    public mutating func insert(_ e: Int32, _ f: Int32) -> Int32 {
        if (count + 1) * 2 > keys.count { grow() }
        let k = PairTable.key(e, f)
        var s = home(k)
        while true {
            let stored = keys[s]
            if stored == k { return slots[s] }
            if stored == PairTable.empty { break }
            s = (s + 1) & mask
        }
        let index = Int32(count)
        keys[s] = k
        slots[s] = index
        conditioning.append(e)
        generated.append(f)
        return index
    }

    private mutating func grow() {
        let size = keys.count * 2
        keys = [UInt64](repeating: PairTable.empty, count: size)
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for p in 0..<conditioning.count {
            let k = PairTable.key(conditioning[p], generated[p])
            var s = home(k)
            while keys[s] != PairTable.empty { s = (s + 1) & mask }
            keys[s] = k
            slots[s] = Int32(p)
        }
    }

    /// Rebuilds a table from its pair list (deserialisation).
    init(conditioning: [Int32], generated: [Int32]) throws {
        guard conditioning.count == generated.count else {
            throw AlignmentError.invalidState("pair arrays differ in length")
        }
        self.init(capacity: conditioning.count)
        for p in 0..<conditioning.count where insert(conditioning[p], generated[p]) != Int32(p) {
            throw AlignmentError.invalidState("duplicate pair at index \(p)")
        }
    }
}
