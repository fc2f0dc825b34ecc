import Foundation
import Hashing

/// SHA-256 of files, remembered by `StableFileIdentity`, so a file hard-linked into every checkpoint (the base
/// weights) is hashed once per daemon run instead of once per checkpoint. Used from the pipeline's thread only.
final class FileDigestCache {
    private var digests: [StableFileIdentity: String] = [:]

    func sha256Hex(path: String) throws -> String {
        let identity = StableFileIdentity(path: path)
        if let identity, let known = digests[identity] { return known }
        let digest = try Digest.sha256Hex(fileAt: path)
        if let identity { digests[identity] = digest }
        return digest
    }
}
