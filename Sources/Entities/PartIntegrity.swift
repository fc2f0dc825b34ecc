/// How each multipart part (and each single-request blob) is protected in transit; a per-remote setting
/// (`part_integrity`), applied by Sync's uploader.
public enum PartIntegrity: String, Sendable, Codable, CaseIterable {
    /// Content-MD5 plus a signed SHA-256 payload hash; the part ETag is checked against the MD5.
    case contentMD5
    /// `x-amz-checksum-sha256` (also the signed payload hash): one SHA-256 per part, no MD5 (less CPU). Use it where
    /// the server verifies checksums or where MD5 is not allowed.
    case checksumSHA256
}
