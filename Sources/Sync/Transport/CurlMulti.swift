import CCurl
import CurlRuntime
import Foundation

/// A libcurl multi handle: runs several transfers at once from the one thread that owns it (only `wakeup()` may be
/// called from other threads). Its connection cache is shared by every easy handle added to it, so keep-alive
/// connections are reused from one transfer to the next. It holds each connection while its transfer runs.
final class CurlMulti: @unchecked Sendable {
    typealias Finished = (tag: Int, result: Result<HTTPResponse, TransportFailure>, connection: HTTPConnection)
    private let multi: UnsafeMutableRawPointer
    /// Transfers in progress by easy handle, each with the caller's tag.
    private var running: [UnsafeMutableRawPointer: (tag: Int, transfer: EasyTransfer, connection: HTTPConnection)] = [:]

    init() throws(TransportFailure) {
        CurlGlobal.ensure()
        guard let m = curl_multi_init() else {
            throw TransportFailure(curlCode: -1, message: "curl_multi_init failed", abortedByCaller: false)
        }
        multi = m
    }

    deinit {
        for handle in running.keys { curl_multi_remove_handle(multi, handle) }
        curl_multi_cleanup(multi)
    }

    var count: Int { running.count }

    /// Starts `request` on `connection`'s easy handle; its outcome comes back from `step` with `tag`.
    func start(_ request: HTTPRequest, on connection: HTTPConnection, tag: Int) throws(TransportFailure) {
        let handle = connection.easyHandle
        let transfer = EasyTransfer(handle: handle, request: request, options: connection.options)
        let rc = curl_multi_add_handle(multi, handle)
        guard rc == CURLM_OK else {
            throw TransportFailure(
                curlCode: -Int(rc.rawValue),
                message: "curl_multi_add_handle: \(String(cString: curl_multi_strerror(rc)))",
                abortedByCaller: false)
        }
        running[handle] = (tag, transfer, connection)
    }

    /// Stops every transfer in progress without an outcome; their connections are released, never reused.
    func abortAll() {
        for handle in running.keys { curl_multi_remove_handle(multi, handle) }
        running = [:]
    }

    /// Drives the transfers: performs what can be done now and, if nothing finished, waits up to `timeoutMs` for
    /// socket activity (or a `wakeup()`). Returns the transfers that finished, by tag.
    func step(timeoutMs: Int) -> Result<[Finished], TransportFailure> {
        var stillRunning: Int32 = 0
        var rc = curl_multi_perform(multi, &stillRunning)
        guard rc == CURLM_OK else { return .failure(Self.failure("curl_multi_perform", rc)) }
        var done = finished()
        if done.isEmpty {
            var events: Int32 = 0
            rc = curl_multi_poll(multi, nil, 0, Int32(clamping: timeoutMs), &events)
            guard rc == CURLM_OK else { return .failure(Self.failure("curl_multi_poll", rc)) }
            rc = curl_multi_perform(multi, &stillRunning)
            guard rc == CURLM_OK else { return .failure(Self.failure("curl_multi_perform", rc)) }
            done = finished()
        }
        return .success(done)
    }

    /// Makes a `step` waiting in `curl_multi_poll` return early; safe from any thread.
    func wakeup() { curl_multi_wakeup(multi) }

    private func finished() -> [Finished] {
        var out: [Finished] = []
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let handle = msg.pointee.easy_handle,
                let entry = running.removeValue(forKey: handle)
            else { continue }
            let code = msg.pointee.data.result
            curl_multi_remove_handle(multi, handle)
            out.append((entry.tag, entry.transfer.result(of: code), entry.connection))
        }
        return out
    }

    private static func failure(_ call: String, _ rc: CURLMcode) -> TransportFailure {
        TransportFailure(
            curlCode: -Int(rc.rawValue), message: "\(call): \(String(cString: curl_multi_strerror(rc)))",
            abortedByCaller: false)
    }
}
