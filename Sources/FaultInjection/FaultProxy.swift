import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP proxy in front of an S3 server that injects faults: one scripted fault per new connection (in
/// order, then plain passing), plus conditions that hold until changed: a bandwidth cap on every connection and an
/// outage (new connections reset at once, open ones cut), and an accepted access key (credential rotation: a request
/// signed with any other key is answered 403 `InvalidAccessKeyId`; the key of the first request of each connection
/// is checked and open connections are cut when the key changes, so a client cannot keep using a retired key on a
/// kept-alive connection). Used in-process by the Sync tests and, driven over stdin,
/// by `transtok-bench s3-fault-proxy` (for soak runs against a real daemon).
public final class FaultProxy: Sendable {
    public enum Fault: Sendable, Equatable {
        case pass
        /// Read the request head, then reset the connection (RST).
        case reset
        /// Read the request head, answer this status with an S3 error code, close.
        case respond(Int, String)
        /// Wait this long before forwarding anything.
        case delay(Double)
        /// Forward the request, let the server answer, then reset instead of returning the answer.
        case dropResponse
    }

    /// Counters since start.
    public struct Stats: Sendable, Equatable, Codable {
        public var connections: Int
        public var faultsInjected: Int
        public var outageResets: Int
        /// Bytes passed from clients to the server, and back.
        public var bytesUp: Int64
        public var bytesDown: Int64
        /// Requests refused because they were signed with an access key other than the accepted one.
        public var keyRejections: Int
    }

    public let port: UInt16
    private let listener: Int32
    private let upstreamPort: UInt16
    private let script: Mutex<[Fault]>
    private let stopped = Atomic<Bool>(false)
    public let connections = Atomic<Int>(0)
    private let faults = Atomic<Int>(0)
    private let outageResets = Atomic<Int>(0)
    private let up = Atomic<Int64>(0)
    private let down = Atomic<Int64>(0)
    /// Bytes per second per connection and direction; 0 = unlimited.
    private let throttle = Atomic<Int64>(0)
    /// Until when (seconds since 1970, as bits of a Double) connections are refused; 0 = no outage.
    private let outageUntil = Atomic<UInt64>(0)
    /// The only access key accepted (nil: any); changing it bumps `generation`, which cuts open connections.
    private let acceptedKey = Mutex<String?>(nil)
    private let generation = Atomic<Int>(0)
    private let keyRejections = Atomic<Int>(0)

    /// Listens on 127.0.0.1:`port` (0: any free port) and forwards to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: UInt16, faults: [Fault] = [], port requested: UInt16 = 0) throws {
        self.upstreamPort = upstreamPort
        self.script = Mutex(faults)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = requested.bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = UInt16(bigEndian: addr.sin_port)
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    /// Endpoint URL of the proxy.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Appends faults to the script (each applies to one new connection).
    public func inject(_ more: [Fault]) { script.withLock { $0 += more } }

    /// Caps every connection at `bytesPerSecond` in each direction (nil: unlimited), for open ones too.
    public func setThrottle(bytesPerSecond: Int64?) { throttle.store(max(0, bytesPerSecond ?? 0), ordering: .relaxed) }

    /// For `seconds` from now: new connections are reset at once and open ones are cut.
    public func startOutage(seconds: Double) {
        outageUntil.store(Date().addingTimeInterval(seconds).timeIntervalSince1970.bitPattern, ordering: .relaxed)
    }

    /// From now on only requests signed with `accessKey` pass (nil: any key); open connections are cut.
    public func requireAccessKey(_ accessKey: String?) {
        acceptedKey.withLock { $0 = accessKey }
        generation.add(1, ordering: .relaxed)
    }

    /// The access key id a SigV4 request head names (`Authorization: … Credential=AKID/…` or `X-Amz-Credential=`).
    public static func accessKey(inHead head: [UInt8]) -> String? {
        let text = String(decoding: head, as: UTF8.self)
        for marker in ["Credential=", "X-Amz-Credential="] {
            guard let range = text.range(of: marker) else { continue }
            let rest = text[range.upperBound...]
            let end =
                rest.firstIndex { $0 == "/" || $0 == "%" || $0 == "," || $0 == "&" || $0 == " " || $0 == "\r" }
                ?? rest.endIndex
            return String(rest[..<end])
        }
        return nil
    }

    public var inOutage: Bool {
        Date().timeIntervalSince1970 < Double(bitPattern: outageUntil.load(ordering: .relaxed))
    }

    public var stats: Stats {
        Stats(
            connections: connections.load(ordering: .relaxed), faultsInjected: faults.load(ordering: .relaxed),
            outageResets: outageResets.load(ordering: .relaxed), bytesUp: up.load(ordering: .relaxed),
            bytesDown: down.load(ordering: .relaxed), keyRejections: keyRejections.load(ordering: .relaxed))
    }

    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 { if stopped.load(ordering: .relaxed) { return } else { continue } }
            connections.add(1, ordering: .relaxed)
            if inOutage {
                outageResets.add(1, ordering: .relaxed)
                resetAndClose(client)
                continue
            }
            let fault = script.withLock { $0.isEmpty ? Fault.pass : $0.removeFirst() }
            if fault != .pass { faults.add(1, ordering: .relaxed) }
            let t = Thread { [self] in handle(client, fault) }
            t.start()
        }
    }

    private func readHead(_ fd: Int32) -> [UInt8] {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            head.append(byte)
            if head.count >= 4 && head.suffix(4) == [13, 10, 13, 10] { break }
        }
        return head
    }

    private func resetAndClose(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        shutdown(fd, Int32(SHUT_RD)) // wakes a thread blocked in recv on it
        close(fd)
    }

    private func handle(_ client: Int32, _ fault: Fault) {
        switch fault {
        case .reset:
            _ = readHead(client)
            resetAndClose(client)
        case .respond(let status, let code):
            _ = readHead(client)
            respond(client, status: status, code: code)
        case .delay(let seconds):
            Thread.sleep(forTimeInterval: seconds)
            checkKeyThenPipe(client)
        case .pass:
            checkKeyThenPipe(client)
        case .dropResponse:
            pipe(client, dropResponse: true)
        }
    }

    private func respond(_ client: Int32, status: Int, code: String) {
        let body = "<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>injected</Message></Error>"
        let response =
            "HTTP/1.1 \(status) Injected\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(client, Int32(SHUT_WR))
        Thread.sleep(forTimeInterval: 0.05)
        close(client)
    }

    /// With an accepted key set: reads the first request head and refuses it (403) if signed with another key,
    /// else forwards it and pipes the rest. Without one: pipes.
    private func checkKeyThenPipe(_ client: Int32) {
        guard let accepted = acceptedKey.withLock({ $0 }) else {
            pipe(client, dropResponse: false)
            return
        }
        let head = readHead(client)
        guard Self.accessKey(inHead: head) == accepted else {
            keyRejections.add(1, ordering: .relaxed)
            respond(client, status: 403, code: "InvalidAccessKeyId")
            return
        }
        pipe(client, dropResponse: false, head: head)
    }

    private func connectUpstream() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = upstreamPort.bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    private func pipe(_ client: Int32, dropResponse: Bool, head: [UInt8] = []) {
        let upstream = connectUpstream()
        guard upstream >= 0 else {
            resetAndClose(client)
            return
        }
        var sentHead = 0
        while sentHead < head.count {
            let w = head.withUnsafeBytes {
                send(upstream, $0.baseAddress! + sentHead, head.count - sentHead, Int32(MSG_NOSIGNAL))
            }
            if w <= 0 {
                resetAndClose(client)
                close(upstream)
                return
            }
            sentHead += w
        }
        up.add(Int64(head.count), ordering: .relaxed)
        let born = generation.load(ordering: .relaxed)
        let done = DispatchGroup()
        done.enter()
        let upThread = Thread { [self] in
            copy(from: client, to: upstream, upward: true, born: born)
            shutdown(upstream, Int32(SHUT_WR))
            done.leave()
        }
        upThread.start()
        if dropResponse {
            var byte: UInt8 = 0
            _ = recv(upstream, &byte, 1, 0) // the server has answered, so it acted on the request
            Thread.sleep(forTimeInterval: 0.2)
            resetAndClose(client)
            close(upstream)
            done.wait()
            return
        }
        let cut = copy(from: upstream, to: client, upward: false, born: born)
        if cut {
            resetAndClose(client)
            shutdown(upstream, Int32(SHUT_RDWR))
            done.wait()
            close(upstream)
            return
        }
        shutdown(client, Int32(SHUT_RDWR))
        done.wait()
        close(client)
        close(upstream)
    }

    /// Copies until EOF or an error; returns true if an outage or a key change cut the connection. Applies the
    /// throttle.
    @discardableResult
    private func copy(from: Int32, to: Int32, upward: Bool, born: Int) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if inOutage || generation.load(ordering: .relaxed) != born {
                if inOutage { outageResets.add(1, ordering: .relaxed) }
                shutdown(from, Int32(SHUT_RDWR))
                shutdown(to, Int32(SHUT_RDWR))
                return true
            }
            let cap = throttle.load(ordering: .relaxed)
            let chunk = cap > 0 ? Int(min(Int64(buffer.count), max(1024, cap / 20))) : buffer.count
            let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, chunk, 0) }
            if n <= 0 { return inOutage || generation.load(ordering: .relaxed) != born }
            // Bytes that arrive after an outage began or the key changed (e.g. the next request on an idle
            // kept-alive connection) are not forwarded: the connection is cut.
            if inOutage || generation.load(ordering: .relaxed) != born {
                shutdown(from, Int32(SHUT_RDWR))
                shutdown(to, Int32(SHUT_RDWR))
                return true
            }
            // Counted before they are forwarded: once the peer can answer them, `stats` includes them (counting
            // after the send raced with a client that asks for the stats as soon as its request was answered).
            if upward { up.add(Int64(n), ordering: .relaxed) } else { down.add(Int64(n), ordering: .relaxed) }
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                if w <= 0 { return inOutage }
                sent += w
            }
            if cap > 0 { Thread.sleep(forTimeInterval: Double(n) / Double(cap)) }
        }
    }
}
