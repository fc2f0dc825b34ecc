import Foundation

/// The published description of a checkpoint: every file, as an ordered list of content-addressed blobs.
/// Written last; a reader that sees it can fetch every blob it names.
public struct CheckpointManifest: Codable, Sendable, Equatable {
    public static let formatTag = "transtok-checkpoint-v1"

    public struct Chunk: Codable, Sendable, Equatable {
        public var sha256: String
        public var size: Int64
    }

    public struct File: Codable, Sendable, Equatable {
        /// Relative path with `/` separators.
        public var path: String
        public var size: Int64
        public var sha256: String
        public var chunks: [Chunk]
    }

    public var format: String
    public var checkpoint: String
    public var files: [File]

    public init(checkpoint: String, files: [File]) {
        self.format = Self.formatTag
        self.checkpoint = checkpoint
        self.files = files
    }

    public var totalBytes: Int64 { files.reduce(0) { $0 + $1.size } }
    public var blobHashes: Set<String> { Set(files.flatMap { $0.chunks.map(\.sha256) }) }

    /// Stable bytes: the same checkpoint always serialises identically (so a re-publish can compare).
    public func encoded() throws(SyncError) -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { return Array(try enc.encode(self)) } catch { throw .protocolViolation("manifest encoding: \(error)") }
    }

    /// Parses and validates (format, hex hashes, sizes that add up, paths that stay inside the target directory).
    public static func decode(_ bytes: [UInt8]) throws(SyncError) -> CheckpointManifest {
        let m: CheckpointManifest
        do { m = try JSONDecoder().decode(CheckpointManifest.self, from: Data(bytes)) } catch {
            throw .integrity("manifest is not valid JSON: \(error)")
        }
        guard m.format == formatTag else { throw .integrity("unknown manifest format \(m.format)") }
        for f in m.files {
            guard isSafeRelativePath(f.path) else { throw .integrity("manifest path \(f.path) escapes the directory") }
            guard isHex64(f.sha256), f.chunks.allSatisfy({ isHex64($0.sha256) && $0.size >= 0 }) else {
                throw .integrity("manifest entry \(f.path) has a malformed hash")
            }
            guard f.chunks.reduce(0, { $0 + $1.size }) == f.size else {
                throw .integrity("manifest entry \(f.path): chunk sizes do not add up to \(f.size)")
            }
        }
        return m
    }

    static func isHex64(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func isSafeRelativePath(_ p: String) -> Bool {
        guard !p.isEmpty, !p.hasPrefix("/"), !p.contains("\0") else { return false }
        return p.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }
}

/// Key layout under the remote prefix.
public enum RemoteLayout {
    public static func blob(_ sha256: String) -> String { "blobs/sha256/\(sha256)" }
    public static let blobPrefix = "blobs/sha256/"
    public static let checkpointPrefix = "checkpoints/"
    public static func manifest(_ checkpoint: String) -> String { "checkpoints/\(checkpoint)/manifest.json" }
}
