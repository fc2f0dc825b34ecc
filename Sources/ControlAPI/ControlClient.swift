import CCurl
import CurlRuntime
import Foundation

/// A blocking HTTP/1.1 client for the daemon's Unix socket (libcurl with `CURLOPT_UNIX_SOCKET_PATH`).
/// Used by the CLI and by tests; call it off the cooperative pool for long requests.
public struct ControlClient: Sendable {
    public var socketPath: String
    /// Whole-request time limit in seconds (0 = none, for streaming).
    public var timeoutSeconds: Int
    /// Called with `Reply.versionWarning` when the daemon's version differs from ours (the CLI prints it).
    public var onVersionMismatch: (@Sendable (String) -> Void)?

    public init(socketPath: String, timeoutSeconds: Int = 30, onVersionMismatch: (@Sendable (String) -> Void)? = nil) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
        self.onVersionMismatch = onVersionMismatch
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The daemon's `Transtok-Version`, if it sent one.
        public var serverVersion: String?
        public var contentType: String?

        /// A warning to print when client and daemon versions differ.
        public var versionWarning: String? {
            guard let serverVersion, serverVersion != TranstokVersion.current else { return nil }
            return "warning: transtok \(TranstokVersion.current) is talking to transtokd \(serverVersion)"
        }
    }

    /// Sends a request and returns the raw reply (any status).
    /// `onData`, when given, receives the body as it arrives (streaming endpoints) instead of it being collected.
    public func send(
        method: String, path: String, body: [UInt8]? = nil, headers extraHeaders: [String: String] = [:],
        onData: (@Sendable ([UInt8]) -> Void)? = nil
    ) throws(ControlClientError) -> Reply {
        try ensureCurlInitialized()
        guard let handle = curl_easy_init() else {
            throw .transport(socket: socketPath, message: "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }

        let sink = ResponseSink(onData: onData)
        let sinkPointer = Unmanaged.passRetained(sink).toOpaque()
        defer { Unmanaged<ResponseSink>.fromOpaque(sinkPointer).release() }

        var headers: UnsafeMutablePointer<curl_slist>? = nil
        headers = curl_slist_append(headers, "\(TranstokVersion.headerName): \(TranstokVersion.current)")
        headers = curl_slist_append(headers, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")
        for (name, value) in extraHeaders.sorted(by: { $0.key < $1.key }) {
            headers = curl_slist_append(headers, "\(name): \(value)")
        }
        defer { curl_slist_free_all(headers) }

        ccurl_setopt_string(handle, CURLOPT_UNIX_SOCKET_PATH, socketPath)
        // The host name is fixed: the daemon serves only this socket and rejects browser-style requests.
        ccurl_setopt_string(handle, CURLOPT_URL, "http://transtokd.local" + path)
        ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 5)
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
        ccurl_setopt_writefn(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
            sink.append(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        ccurl_setopt_ptr(handle, CURLOPT_WRITEDATA, sinkPointer)
        ccurl_setopt_headerfn(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
            sink.header(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        ccurl_setopt_ptr(handle, CURLOPT_HEADERDATA, sinkPointer)

        let payload = body ?? []
        let code: CURLcode = payload.withUnsafeBufferPointer { buffer in
            if body != nil {
                ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
                ccurl_setopt_ptr(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(code))
            if code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST {
                throw .daemonNotRunning(socket: socketPath, reason: Self.connectHint(socketPath, curlMessage: message))
            }
            if code == CURLE_OPERATION_TIMEDOUT { throw .timedOut(socket: socketPath, seconds: timeoutSeconds) }
            throw .transport(socket: socketPath, message: message)
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        let reply = Reply(
            status: status, body: sink.body, serverVersion: sink.serverVersion, contentType: sink.contentType)
        if let warning = reply.versionWarning { onVersionMismatch?(warning) }
        return reply
    }

    /// Sends a request and decodes a 2xx JSON reply, turning error replies into `ControlClientError.api`.
    public func call<Response: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = Optional<Empty>.none, as: Response.Type
    ) throws(ControlClientError) -> (Response, Reply) {
        var encoded: [UInt8]? = nil
        if let body {
            do { encoded = Array(try ControlWire.encoder().encode(body)) } catch {
                throw .protocolViolation("cannot encode request: \(error)")
            }
        }
        let reply = try send(method: method, path: path, body: encoded)
        guard (200..<300).contains(reply.status) else { throw Self.apiError(reply) }
        do {
            return (try ControlWire.decoder().decode(Response.self, from: Data(reply.body)), reply)
        } catch {
            throw .protocolViolation("unexpected reply to \(method) \(path): \(error)")
        }
    }

    public struct Empty: Codable, Sendable {}

    static func apiError(_ reply: Reply) -> ControlClientError { apiError(status: reply.status, body: reply.body) }

    /// The error an error reply carries (`{"error":{"code":…,"message":…}}`), or its status and first bytes.
    public static func apiError(status: Int, body: [UInt8]) -> ControlClientError {
        if let decoded = try? JSONDecoder().decode(APIErrorBody.self, from: Data(body)) {
            return .api(status: status, code: decoded.error.code, message: decoded.error.message)
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return .api(status: status, code: .internal, message: "HTTP \(status): \(text)")
    }

    static func connectHint(_ socket: String, curlMessage: String) -> String {
        if access(socket, F_OK) != 0 { return "no socket at \(socket)" }
        if access(socket, R_OK | W_OK) != 0 {
            return "permission denied on \(socket) (run as the daemon's user, or join its socket group)"
        }
        return "\(curlMessage) (\(socket) exists but nothing accepted the connection: a stale socket?)"
    }
}

public enum ControlClientError: Error, CustomStringConvertible, Sendable {
    case daemonNotRunning(socket: String, reason: String)
    case timedOut(socket: String, seconds: Int)
    case transport(socket: String, message: String)
    case api(status: Int, code: APIErrorCode, message: String)
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .daemonNotRunning(let socket, let reason):
            "transtokd is not running? \(reason). Start it with `transtokd --socket \(socket)` "
                + "(or `systemctl start transtokd`), or pass --socket / set TRANSTOK_SOCKET."
        case .timedOut(let socket, let seconds): "no reply from transtokd on \(socket) within \(seconds) s"
        case .transport(let socket, let message): "cannot talk to transtokd on \(socket): \(message)"
        case .api(_, let code, let message): "\(message) (\(code.rawValue))"
        case .protocolViolation(let message): message
        }
    }
}

/// Collects a reply's headers and body for the libcurl callbacks (which run on the calling thread).
private final class ResponseSink: @unchecked Sendable {
    private(set) var body: [UInt8] = []
    private(set) var serverVersion: String?
    private(set) var contentType: String?
    private let onData: (@Sendable ([UInt8]) -> Void)?

    init(onData: (@Sendable ([UInt8]) -> Void)?) { self.onData = onData }

    /// The status of the last status line seen (a reply may follow a `100 Continue`).
    private var status = 0

    /// Streams a successful body to `onData`; an error reply's body is kept for its JSON error.
    func append(_ bytes: UnsafeRawBufferPointer) {
        if let onData, (200..<300).contains(status) { onData(Array(bytes)) } else { body.append(contentsOf: bytes) }
    }

    func header(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let code = Int(fields[1]) { status = code }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        if name.caseInsensitiveCompare(TranstokVersion.headerName) == .orderedSame {
            serverVersion = value
        } else if name.caseInsensitiveCompare("Content-Type") == .orderedSame {
            contentType = value
        }
    }
}

private func ensureCurlInitialized() throws(ControlClientError) {
    guard CurlGlobal.ensure() else { throw .transport(socket: "", message: "curl_global_init failed") }
}
