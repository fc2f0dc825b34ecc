import Entities

/// The digest a part is sent with, computed from the file before its request is signed.
enum PartDigest: Sendable {
    /// Content-MD5 header plus the SHA-256 as signed payload hash.
    case contentMD5(sha256Hex: String, md5: [UInt8])
    /// `x-amz-checksum-sha256`, also the signed payload hash.
    case checksumSHA256([UInt8])

    /// Reads `length` bytes of `file` at `offset` once and hashes them as `integrity` needs.
    static func compute(_ integrity: PartIntegrity, file: OpenFile, offset: Int64, length: Int64) throws(SyncError)
        -> PartDigest
    {
        switch integrity {
        case .contentMD5:
            let d = try file.digests(offset: offset, length: length)
            return .contentMD5(sha256Hex: d.sha256, md5: d.md5)
        case .checksumSHA256:
            return .checksumSHA256(try file.sha256Bytes(offset: offset, length: length))
        }
    }
}
