import CCurl
import CurlRuntime
import Foundation

/// One libcurl easy handle, reused request after request so keep-alive connections are reused. Blocking: call it
/// from a dedicated thread, never from the Swift cooperative pool. Not thread-safe; one owner at a time.
public final class HTTPConnection: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    let options: TransportOptions

    public init(options: TransportOptions) throws(TransportFailure) {
        CurlGlobal.ensure()
        guard let h = curl_easy_init() else {
            throw TransportFailure(curlCode: -1, message: "curl_easy_init failed", abortedByCaller: false)
        }
        handle = h
        self.options = options
    }

    deinit { curl_easy_cleanup(handle) }

    /// The easy handle, for a `CurlMulti` to drive (while it is there, nothing else may use this connection).
    var easyHandle: UnsafeMutableRawPointer { handle }

    /// Performs one request. HTTP error statuses are returned, not thrown; only transport failures throw.
    public func perform(_ request: HTTPRequest) throws(TransportFailure) -> HTTPResponse {
        let transfer = EasyTransfer(handle: handle, request: request, options: options)
        let rc = curl_easy_perform(handle)
        return try withExtendedLifetime(transfer) { transfer.result(of: rc) }.get()
    }
}

/// One request configured on an easy handle (options, headers, callbacks), and its outcome once libcurl is done
/// with it. Owns the header lists and the callback context until it is released, so it must outlive the transfer.
final class EasyTransfer {
    let handle: UnsafeMutableRawPointer
    let context: TransferContext
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?

    init(handle h: UnsafeMutableRawPointer, request: HTTPRequest, options: TransportOptions) {
        curl_easy_reset(h) // keeps the connection cache
        handle = h
        context = TransferContext(request: request)
        let ctxPtr = Unmanaged.passUnretained(context).toOpaque()

        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // Small bodies: skip the 100-continue round trip (a removal line, never signed by us).
        if request.body.length < 1 << 20 { headerList = curl_slist_append(headerList, "Expect:") }
        for entry in options.resolve { resolveList = curl_slist_append(resolveList, entry) }

        ccurl_setopt_string(h, CURLOPT_URL, request.url)
        ccurl_setopt_slist(h, CURLOPT_HTTPHEADER, headerList)
        ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMs)
        ccurl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimitBytes)
        ccurl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, options.lowSpeedTimeSeconds)
        ccurl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1)
        if request.body.length == 0, options.smallRequestTimeoutMs > 0, case .memory = request.sink {
            ccurl_setopt_long(h, CURLOPT_TIMEOUT_MS, options.smallRequestTimeoutMs)
        }
        if let sock = options.unixSocketPath { ccurl_setopt_string(h, CURLOPT_UNIX_SOCKET_PATH, sock) }
        if let ca = options.caBundlePath { ccurl_setopt_string(h, CURLOPT_CAINFO, ca) }
        if let cap = options.maxSendBytesPerSecond, cap > 0 {
            ccurl_setopt_off(h, CURLOPT_MAX_SEND_SPEED_LARGE, curl_off_t(cap))
        }
        if resolveList != nil { ccurl_setopt_slist(h, CURLOPT_RESOLVE, resolveList) }

        ccurl_setopt_headerfn(h, curlHeaderCallback)
        ccurl_setopt_ptr(h, CURLOPT_HEADERDATA, ctxPtr)
        ccurl_setopt_writefn(h, curlWriteCallback)
        ccurl_setopt_ptr(h, CURLOPT_WRITEDATA, ctxPtr)
        ccurl_setopt_xferinfofn(h, curlProgressCallback)
        ccurl_setopt_ptr(h, CURLOPT_XFERINFODATA, ctxPtr)
        ccurl_setopt_long(h, CURLOPT_NOPROGRESS, 0)

        let length = request.body.length
        switch request.method {
        case "GET": break
        case "HEAD": ccurl_setopt_long(h, CURLOPT_NOBODY, 1)
        case "PUT":
            ccurl_setopt_long(h, CURLOPT_UPLOAD, 1)
            ccurl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
        case "POST":
            ccurl_setopt_long(h, CURLOPT_POST, 1)
            ccurl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(length))
        default:
            ccurl_setopt_string(h, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.method == "PUT" || request.method == "POST" {
            ccurl_setopt_readfn(h, curlReadCallback)
            ccurl_setopt_ptr(h, CURLOPT_READDATA, ctxPtr)
            ccurl_setopt_seekfn(h, curlSeekCallback)
            ccurl_setopt_ptr(h, CURLOPT_SEEKDATA, ctxPtr)
            if length >= 1 << 20 { ccurl_setopt_long(h, CURLOPT_UPLOAD_BUFFERSIZE, 512 * 1024) }
        }
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_slist_free_all(resolveList)
    }

    /// The response, or the transport failure, for libcurl's result code of this transfer.
    func result(of rc: CURLcode) -> Result<HTTPResponse, TransportFailure> {
        if rc != CURLE_OK {
            var message = String(cString: curl_easy_strerror(rc))
            if let e = context.ioError { message += " (\(e))" }
            return .failure(
                TransportFailure(curlCode: Int(rc.rawValue), message: message, abortedByCaller: context.aborted))
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(
            HTTPResponse(
                status: status, headers: context.headers, body: context.body, bytesWritten: context.bytesToFile))
    }
}

/// State shared with the C callbacks of one transfer.
final class TransferContext {
    let request: HTTPRequest
    var readOffset: Int64 = 0
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var bytesToFile: Int64 = 0
    var ioError: String?
    var aborted = false

    init(request: HTTPRequest) { self.request = request }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let remaining = request.body.length - readOffset
        let n = Int(min(Int64(capacity), remaining))
        if n <= 0 { return 0 }
        switch request.body {
        case .none: return 0
        case .bytes(let bytes):
            bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                UnsafeMutableRawPointer(buffer).copyMemory(from: base.advanced(by: Int(readOffset)), byteCount: n)
            }
            readOffset += Int64(n)
            return n
        case .file(let fd, let offset, _):
            let got = pread(fd, buffer, n, off_t(offset + readOffset))
            if got < 0 {
                ioError = "read: \(String(cString: strerror(errno)))"
                return Int(CURL_READFUNC_ABORT)
            }
            if got == 0 {
                ioError = "file shrank while uploading"
                return Int(CURL_READFUNC_ABORT)
            }
            readOffset += Int64(got)
            return got
        }
    }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = [:]
            let parts = line.split(separator: " ")
            if parts.count >= 2, let s = Int(parts[1]) { status = s }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }

    func write(_ data: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        if case .file(let fd, let offset) = request.sink, (200..<300).contains(status) {
            var done = 0
            while done < count {
                let w = pwrite(fd, data.advanced(by: done), count - done, off_t(offset + bytesToFile + Int64(done)))
                if w <= 0 {
                    ioError = "write: \(String(cString: strerror(errno)))"
                    return 0
                }
                done += w
            }
            bytesToFile += Int64(count)
            return count
        }
        guard body.count + count <= 64 << 20 else {
            ioError = "response body larger than 64 MiB"
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) {
            body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
        }
        return count
    }
}

private let curlReadCallback: ccurl_data_fn = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
    let ctx = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    return ctx.read(into: buffer, capacity: size * count)
}

private let curlSeekCallback: ccurl_seek_fn = { userdata, offset, origin in
    guard let userdata, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    let ctx = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    guard offset >= 0, Int64(offset) <= ctx.request.body.length else { return Int32(CURL_SEEKFUNC_FAIL) }
    ctx.readOffset = Int64(offset)
    return Int32(CURL_SEEKFUNC_OK)
}

private let curlHeaderCallback: ccurl_data_fn = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let n = size * count
    let ctx = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let line = buffer.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    ctx.header(line)
    return n
}

private let curlWriteCallback: ccurl_data_fn = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let ctx = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    return ctx.write(buffer, count: size * count)
}

private let curlProgressCallback: ccurl_xferinfo_fn = { userdata, _, received, _, sent in
    guard let userdata else { return 0 }
    let ctx = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    if let progress = ctx.request.progress, !progress(Int64(sent), Int64(received)) {
        ctx.aborted = true
        return 1
    }
    return 0
}
