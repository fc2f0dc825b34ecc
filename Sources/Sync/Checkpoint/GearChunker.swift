/// Content-defined chunking with a gear rolling hash (as in FastCDC): a boundary where the hash's top bits are
/// zero, with a minimum of target/4 and a maximum of 4×target. Boundaries follow content, so an insertion moves
/// only nearby boundaries.
struct GearChunker {
    let minSize: Int64
    let maxSize: Int64
    let mask: UInt64

    init(target: Int64) {
        minSize = max(1, target / 4)
        maxSize = target * 4
        // About one boundary every (target - min) bytes after the minimum.
        let bits = max(1, Int64.bitWidth - (max(2, target - minSize)).leadingZeroBitCount - 1)
        mask = ~UInt64(0) << UInt64(64 - bits)
    }

    static let table: [UInt64] = {
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        return (0..<256).map { _ in
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            return x
        }
    }()

    func spans(_ file: OpenFile) throws(SyncError) -> [ChunkSpan] {
        var out: [ChunkSpan] = []
        var start: Int64 = 0
        var pos: Int64 = 0
        var hash: UInt64 = 0
        let table = Self.table
        let minSize = self.minSize, maxSize = self.maxSize, mask = self.mask
        try file.read(offset: 0, length: file.size) { buffer in
            table.withUnsafeBufferPointer { t in
                for b in buffer {
                    pos += 1
                    let len = pos - start
                    if len < minSize { continue }
                    hash = (hash << 1) &+ t[Int(b)]
                    if hash & mask == 0 || len >= maxSize {
                        out.append(ChunkSpan(offset: start, length: len))
                        start = pos
                        hash = 0
                    }
                }
            }
        }
        if pos > start { out.append(ChunkSpan(offset: start, length: pos - start)) }
        return out
    }
}
