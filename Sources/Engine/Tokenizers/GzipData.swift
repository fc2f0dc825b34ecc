import Foundation
import Systems

/// Reads a file, transparently inflating gzip (by magic bytes, not by name).
enum TokenizerFileData {
    static func read(_ url: URL) throws -> [UInt8] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(path: url.path, reason: FileErrorText.reason(error, path: url.path))
        }
        let bytes = [UInt8](data)
        if bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
            return try gunzip(bytes, path: url.path)
        }
        return bytes
    }

    /// Inflates gzip (possibly multi-member) data.
    static func gunzip(_ input: [UInt8], path: String = "<memory>") throws -> [UInt8] {
        do { return [UInt8](try Gzip.decompress(Data(input))) } catch {
            throw TokenizerError.unreadable(path: path, reason: error.description)
        }
    }
}
