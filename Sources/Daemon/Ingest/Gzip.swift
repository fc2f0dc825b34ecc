import CZlib
import Foundation

/// gzip decompression with an output cap (a small file must not expand into an unbounded one).
enum Gzip {
    static func isCompressed(_ data: Data) -> Bool { data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B }

    static func decompress(_ data: Data, limit: Int) throws(CorpusParseError) -> Data {
        var stream = z_stream()
        // 15 + 32: zlib or gzip header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CorpusParseError("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        var failure: CorpusParseError?
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(buffer.baseAddress!, count: buffer.count - Int(stream.avail_out))
                }
                if status == Z_STREAM_END, stream.avail_in > 0 {
                    // Concatenated gzip members (as `cat a.gz b.gz` makes): continue with the next one.
                    status = inflateReset(&stream)
                }
                if output.count > limit {
                    failure = CorpusParseError("decompresses to more than \(limit) bytes")
                    return
                }
            } while status == Z_OK
        }
        if let failure { throw failure }
        guard status == Z_STREAM_END else { throw CorpusParseError("corrupt or truncated gzip data (zlib status \(status))") }
        return output
    }
}
