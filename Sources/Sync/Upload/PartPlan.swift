/// S3 multipart limits and the part size we choose for an object.
public enum PartPlan {
    public static let maxParts: Int64 = 10_000
    public static let minPartSize: Int64 = 5 << 20
    public static let maxPartSize: Int64 = 5 << 30
    public static let defaultMinimum: Int64 = 8 << 20

    /// max(minimum, ceil(size / 10,000)) rounded up to a MiB; fails before any byte is sent if it cannot fit.
    public static func partSize(forSize size: Int64, minimum: Int64 = defaultMinimum) throws(SyncError) -> Int64 {
        guard minimum >= minPartSize else {
            throw .invalidConfiguration("part size \(minimum) is below S3's 5 MiB minimum")
        }
        let needed = (size + maxParts - 1) / maxParts
        var part = max(minimum, needed)
        let mib: Int64 = 1 << 20
        part = (part + mib - 1) / mib * mib
        guard part <= maxPartSize else {
            throw .invalidConfiguration("object of \(size) bytes needs parts over 5 GiB")
        }
        return part
    }

    public static func partCount(size: Int64, partSize: Int64) -> Int {
        size == 0 ? 1 : Int((size + partSize - 1) / partSize)
    }

    /// Byte range of 1-based part `n`.
    public static func range(part n: Int, size: Int64, partSize: Int64) -> (offset: Int64, length: Int64) {
        let offset = Int64(n - 1) * partSize
        return (offset, min(partSize, size - offset))
    }
}
