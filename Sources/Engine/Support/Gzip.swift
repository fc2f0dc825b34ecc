import CZlib
import Foundation

/// gzip (or zlib) decompression, multi-member aware, with an output cap (a small file must not expand into an
/// unbounded one). The one inflater of the project: tokenizer fixtures, corpus files.
public enum Gzip {
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    public static func decompress(_ data: Data, limit: Int = Int.max) throws(GzipError) -> Data {
        var stream = z_stream()
        // 15 + 32: zlib or gzip header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        var failure: GzipError?
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
                    failure = GzipError("decompresses to more than \(limit) bytes")
                    return
                }
            } while status == Z_OK
        }
        if let failure { throw failure }
        guard status == Z_STREAM_END else { throw GzipError("corrupt or truncated gzip data (zlib status \(status))") }
        return output
    }
}

public struct GzipError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Streaming gzip (or zlib) inflation, multi-member aware: input is fed in pieces and output is produced into a
/// caller-owned buffer, so neither side is ever held whole (`CorpusByteStream` reads corpus files through it).
public final class GzipInflater {
    private var stream = z_stream()
    /// True once the last member ended and no input was left over (more input may still start a new member).
    public private(set) var memberEnded = false

    public init() throws(GzipError) {
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError("cannot initialise zlib")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Bytes of the current input not consumed yet.
    public var pendingInput: Int { Int(stream.avail_in) }

    /// Hands zlib the next piece of input (the buffer must stay valid until `pendingInput` is 0).
    public func feed(_ input: UnsafeRawBufferPointer) {
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(input.count)
    }

    /// Inflates pending input into `output`; returns the number of bytes written (0 when it needs more input).
    public func inflate(into output: UnsafeMutableRawBufferPointer) throws(GzipError) -> Int {
        if memberEnded {
            guard stream.avail_in > 0 else { return 0 }
            // Concatenated gzip members (as `cat a.gz b.gz` makes): continue with the next one.
            guard inflateReset(&stream) == Z_OK else { throw GzipError("corrupt gzip data (cannot reset zlib)") }
            memberEnded = false
        }
        stream.next_out = output.bindMemory(to: Bytef.self).baseAddress
        stream.avail_out = uInt(output.count)
        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
        let produced = output.count - Int(stream.avail_out)
        switch status {
        case Z_OK: break
        case Z_BUF_ERROR: break // no progress possible: needs more input (or more output space)
        case Z_STREAM_END: memberEnded = true
        default: throw GzipError("corrupt or truncated gzip data (zlib status \(status))")
        }
        return produced
    }
}
