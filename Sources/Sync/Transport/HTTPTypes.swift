import Foundation

/// A request body that can be produced again from the start (retries, libcurl rewinds).
public enum RequestBody: Sendable {
    case none
    case bytes([UInt8])
    /// `length` bytes of an open file from `offset`, read with `pread` (the file is never loaded into memory).
    case file(fd: Int32, offset: Int64, length: Int64)

    var length: Int64 {
        switch self {
        case .none: 0
        case .bytes(let b): Int64(b.count)
        case .file(_, _, let n): n
        }
    }
}

/// Where a successful response body goes. Error bodies (status ≥ 300) are always kept in memory.
public enum ResponseSink: Sendable {
    case memory
    /// Written with `pwrite` at `offset`, `offset + 1`, …
    case file(fd: Int32, offset: Int64)
}

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Sent as given (already signed); `Host` among them.
    public var headers: [(name: String, value: String)]
    public var body: RequestBody
    public var sink: ResponseSink
    /// Called from the transfer thread with bytes sent and received so far; return false to abort.
    public var progress: (@Sendable (_ sent: Int64, _ received: Int64) -> Bool)?

    public init(
        method: String, url: String, headers: [(name: String, value: String)], body: RequestBody = .none,
        sink: ResponseSink = .memory, progress: (@Sendable (Int64, Int64) -> Bool)? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.sink = sink
        self.progress = progress
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Lower-cased names.
    public var headers: [String: String]
    public var body: [UInt8]
    public var bytesWritten: Int64

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Timeouts and connection options for every request of a client.
public struct TransportOptions: Sendable {
    public var connectTimeoutMs: Int = 10_000
    /// Abort a transfer slower than `lowSpeedLimitBytes` per second for `lowSpeedTimeSeconds` (stall detection
    /// instead of a total timeout, which cannot suit 5 GiB parts).
    public var lowSpeedLimitBytes: Int = 1024
    public var lowSpeedTimeSeconds: Int = 30
    /// Upper bound for requests without a large body (HEAD, List, Complete…); 0 = none.
    public var smallRequestTimeoutMs: Int = 60_000
    public var unixSocketPath: String?
    public var caBundlePath: String?
    /// Upload bandwidth cap per connection (bytes/s); nil = unlimited. Divide a global cap by the concurrency.
    public var maxSendBytesPerSecond: Int64?
    /// `host:port:address` entries (CURLOPT_RESOLVE), e.g. to reach virtual-hosted names on loopback.
    public var resolve: [String] = []

    public init() {}
}

/// The transport failed before a complete response (curl code + message).
public struct TransportFailure: Error, Sendable {
    public var curlCode: Int
    public var message: String
    public var abortedByCaller: Bool
}
