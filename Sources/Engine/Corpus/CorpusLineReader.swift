import Foundation

/// Splits a `CorpusByteStream` into lines ('\n'; a trailing '\r' is dropped) numbered from 1, holding at most one
/// line (bounded by `maxLineBytes`) besides the stream's chunk: a line longer than the limit is an error naming
/// it, never unbounded growth. A UTF-8 byte order mark at the very start is not content.
///
/// `strict` (the daemon's watched folders) rejects binary content (a NUL byte) and invalid UTF-8, naming the
/// line; otherwise invalid UTF-8 is decoded with replacement characters (fast_align's tolerance, for `transfer`).
public final class CorpusLineReader {
    public let stream: CorpusByteStream
    public let maxLineBytes: Int
    public let strict: Bool
    /// Number of the last line returned (the number of lines read so far).
    public private(set) var lineNumber = 0

    private var chunk: UnsafeRawBufferPointer?
    private var position = 0
    private var pending: [UInt8] = []
    private var ended = false
    private var atStart = true

    public init(stream: CorpusByteStream, maxLineBytes: Int, strict: Bool) {
        self.stream = stream
        self.maxLineBytes = maxLineBytes
        self.strict = strict
    }

    /// The next line, or nil at the end of the content.
    public func next() throws(CorpusReadError) -> String? {
        try nextBytes { bytes throws(CorpusReadError) in try decode(bytes) }
    }

    /// Counts the remaining lines (each still checked like `next()`'s).
    public func skipToEnd() throws(CorpusReadError) -> Int {
        var count = 0
        while try nextBytes({ bytes throws(CorpusReadError) in _ = try decode(bytes) }) != nil { count += 1 }
        return count
    }

    private func decode(_ bytes: UnsafeRawBufferPointer) throws(CorpusReadError) -> String {
        guard strict else { return String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self) }
        if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil {
            throw CorpusReadError("binary data (NUL byte); is this a text file?", line: lineNumber)
        }
        guard let text = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw CorpusReadError("invalid UTF-8", line: lineNumber)
        }
        return text
    }

    /// Finds the next line and hands its bytes (without '\n' or a final '\r') to `body`.
    private func nextBytes<T>(_ body: (UnsafeRawBufferPointer) throws(CorpusReadError) -> T) throws(CorpusReadError)
        -> T?
    {
        while true {
            if chunk == nil || position >= chunk!.count {
                if ended { break }
                guard let next = try stream.next() else {
                    ended = true
                    chunk = nil
                    break
                }
                chunk = next
                position = 0
                if atStart {
                    atStart = false
                    if next.count >= 3, next[0] == 0xEF, next[1] == 0xBB, next[2] == 0xBF { position = 3 }
                }
                continue
            }
            let current = chunk!
            let start = position
            let remaining = current.count - start
            let base = current.baseAddress! + start
            if let newline = memchr(base, 0x0A, remaining) {
                let length = base.distance(to: UnsafeRawPointer(newline))
                position = start + length + 1
                lineNumber += 1
                if pending.isEmpty {
                    return try finish(UnsafeRawBufferPointer(start: base, count: length), body)
                }
                try append(UnsafeRawBufferPointer(start: base, count: length))
                defer { pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20) }
                return try finishPending(body)
            }
            try append(UnsafeRawBufferPointer(start: base, count: remaining))
            position = current.count
        }
        // The end: a last line without a newline.
        guard !pending.isEmpty else { return nil }
        lineNumber += 1
        defer { pending.removeAll() }
        return try finishPending(body)
    }

    /// Keeps part of a line that continues in the next chunk (the one place a line is buffered: bounded).
    private func append(_ bytes: UnsafeRawBufferPointer) throws(CorpusReadError) {
        // One byte of slack for a '\r' that ends the line.
        if pending.count + bytes.count > maxLineBytes + 1 {
            throw CorpusReadError("line longer than \(maxLineBytes) bytes", line: lineNumber + 1)
        }
        pending.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    private func finishPending<T>(_ body: (UnsafeRawBufferPointer) throws(CorpusReadError) -> T) throws(CorpusReadError)
        -> T
    {
        try pending.withUnsafeBytes { bytes in Result { () throws(CorpusReadError) in try finish(bytes, body) } }.get()
    }

    private func finish<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(CorpusReadError) -> T
    ) throws(CorpusReadError) -> T {
        var line = bytes
        if line.count > 0, line[line.count - 1] == 0x0D {
            line = UnsafeRawBufferPointer(rebasing: line[0..<(line.count - 1)])
        }
        if line.count > maxLineBytes {
            throw CorpusReadError("line longer than \(maxLineBytes) bytes", line: lineNumber)
        }
        return try body(line)
    }
}
