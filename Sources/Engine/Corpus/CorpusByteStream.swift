import Foundation

/// A corpus file's content in fixed-size chunks, gzip inflated on the fly (recognised by its magic bytes), so a
/// file of any size is read in constant memory. The one way transtok reads parallel text: the daemon's watched
/// folders (`transtokd`), `transtok transfer`/`align` (`CorpusReader`) and the benchmarks.
///
/// A file is opened without blocking and checked with `fstat` before a byte is read, so a FIFO, a device
/// (`/dev/zero`) or a socket is refused, never read (unless `regularFileOnly` is false, for the CLI's
/// `/dev/stdin`-style inputs). Content beyond `maxBytes` (on disk, or once inflated) is an error, not a truncation.
public final class CorpusByteStream {
    /// Size of a read from disk and of an inflated chunk.
    public static let chunkSize = 256 << 10

    private enum Source {
        case file(Int32)
        case memory(Data, offset: Int)
    }

    private var source: Source
    private let maxBytes: Int
    private var inflater: GzipInflater?
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var firstRead = true
    private let mustBeGzip: Bool
    private var rawBytes = 0
    /// Content bytes handed out so far.
    public private(set) var contentBytes = 0
    /// Called with every chunk of content, in order (e.g. to hash what was read).
    public var observer: ((UnsafeRawBufferPointer) -> Void)?

    /// Opens `path`. A name ending in `.gz` must hold gzip data; other names are inflated when they start with the
    /// gzip magic bytes.
    public init(path: String, maxBytes: Int = Int.max, regularFileOnly: Bool = true) throws(CorpusReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (regularFileOnly ? O_NONBLOCK : 0))
        guard fd >= 0 else { throw CorpusReadError("unreadable: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CorpusReadError("unreadable: \(reason)")
        }
        if regularFileOnly {
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw CorpusReadError("not a regular file")
            }
            if Int64(info.st_size) > Int64(maxBytes) {
                close(fd)
                throw CorpusReadError("larger than \(maxBytes) bytes")
            }
        }
        source = .file(fd)
        self.maxBytes = maxBytes
        mustBeGzip = path.hasSuffix(".gz")
        input = .allocate(byteCount: Self.chunkSize, alignment: 16)
        output = .allocate(byteCount: Self.chunkSize, alignment: 16)
    }

    /// In-memory content (never inflated).
    public init(data: Data, maxBytes: Int = Int.max) {
        source = .memory(data, offset: 0)
        self.maxBytes = maxBytes
        mustBeGzip = false
        firstRead = false
        input = .allocate(byteCount: Self.chunkSize, alignment: 16)
        output = .allocate(byteCount: 0, alignment: 16)
    }

    deinit {
        if case .file(let fd) = source { close(fd) }
        input.deallocate()
        output.deallocate()
    }

    /// The next chunk of content (valid until the next call), or nil at the end.
    public func next() throws(CorpusReadError) -> UnsafeRawBufferPointer? {
        let chunk = try nextChunk()
        if let chunk {
            contentBytes += chunk.count
            if contentBytes > maxBytes {
                throw CorpusReadError(
                    inflater == nil ? "larger than \(maxBytes) bytes" : "decompresses to more than \(maxBytes) bytes")
            }
            observer?(chunk)
        }
        return chunk
    }

    /// Reads (and discards) the rest of the content, so `observer` sees all of it.
    public func drain() throws(CorpusReadError) {
        while try next() != nil {}
    }

    private func nextChunk() throws(CorpusReadError) -> UnsafeRawBufferPointer? {
        guard let inflater else {
            let count = try readRaw()
            if firstRead {
                firstRead = false
                let isGzip = count >= 2 && input[0] == 0x1F && input[1] == 0x8B
                if mustBeGzip && !isGzip { throw CorpusReadError("named .gz but not gzip data") }
                if isGzip {
                    do { self.inflater = try GzipInflater() } catch { throw CorpusReadError(error.description) }
                    self.inflater?.feed(UnsafeRawBufferPointer(rebasing: input[0..<count]))
                    return try nextChunk()
                }
            }
            return count == 0 ? nil : UnsafeRawBufferPointer(rebasing: input[0..<count])
        }
        while true {
            if inflater.pendingInput == 0 && !inputEnded {
                let count = try readRaw()
                if count == 0 {
                    inputEnded = true
                } else {
                    inflater.feed(UnsafeRawBufferPointer(rebasing: input[0..<count]))
                }
            }
            let produced: Int
            do { produced = try inflater.inflate(into: output) } catch { throw CorpusReadError(error.description) }
            if produced > 0 { return UnsafeRawBufferPointer(rebasing: output[0..<produced]) }
            if inputEnded && inflater.pendingInput == 0 {
                guard inflater.memberEnded else { throw CorpusReadError("corrupt or truncated gzip data") }
                return nil
            }
        }
    }

    /// Fills `input` from the source; 0 at the end.
    private func readRaw() throws(CorpusReadError) -> Int {
        switch source {
        case .file(let fd):
            while true {
                let count = read(fd, input.baseAddress, input.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw CorpusReadError("unreadable: \(String(cString: strerror(errno)))")
                }
                rawBytes += count
                if rawBytes > maxBytes { throw CorpusReadError("larger than \(maxBytes) bytes") }
                return count
            }
        case .memory(let data, let offset):
            let count = min(input.count, data.count - offset)
            guard count > 0 else { return 0 }
            data.withUnsafeBytes { bytes in
                input.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
            }
            source = .memory(data, offset: offset + count)
            return count
        }
    }
}
