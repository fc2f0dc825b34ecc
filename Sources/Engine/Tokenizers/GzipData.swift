import CZlib
import Foundation

/// Reads a file, transparently inflating gzip (by magic bytes, not by name).
enum TokenizerFileData {
    static func read(_ url: URL) throws -> [UInt8] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let bytes = [UInt8](data)
        if bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
            return try gunzip(bytes, path: url.path)
        }
        return bytes
    }

    /// Inflates gzip (possibly multi-member) data.
    static func gunzip(_ input: [UInt8], path: String = "<memory>") throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TokenizerError.unreadable(path: path, reason: "zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            repeat {
                try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw TokenizerError.unreadable(path: path, reason: "corrupt gzip data (zlib status \(status))")
                    }
                    output.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
                if status == Z_STREAM_END && stream.avail_in > 0 {
                    guard inflateReset(&stream) == Z_OK else {
                        throw TokenizerError.unreadable(path: path, reason: "corrupt gzip member")
                    }
                    status = Z_OK
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw TokenizerError.unreadable(path: path, reason: "truncated gzip data")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
