import Foundation
import Synchronization
@testable import Sync
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP proxy in front of the S3 server that injects one fault per new connection, in script order,
/// then passes traffic through. Faults: connection resets, HTTP error answers, slow starts, and answers lost after
/// the server already acted on the request.
final class FaultProxy: Sendable {
    enum Fault: Sendable {
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

    let port: UInt16
    private let listener: Int32
    private let upstreamPort: UInt16
    private let script: Locked<[Fault]>
    private let stopped = Atomic<Bool>(false)
    let connections = Atomic<Int>(0)

    init(upstreamPort: UInt16, faults: [Fault]) throws {
        self.upstreamPort = upstreamPort
        self.script = Locked(faults)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
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
    var endpoint: String { "http://127.0.0.1:\(port)" }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { if !stopped.load(ordering: .relaxed) { stop() } }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 { if stopped.load(ordering: .relaxed) { return } else { continue } }
            connections.add(1, ordering: .relaxed)
            let fault = script.withLock { $0.isEmpty ? Fault.pass : $0.removeFirst() }
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
        shutdown(fd, Int32(SHUT_RD))  // wakes a thread blocked in recv on it
        close(fd)
    }

    private func handle(_ client: Int32, _ fault: Fault) {
        switch fault {
        case .reset:
            _ = readHead(client)
            resetAndClose(client)
        case .respond(let status, let code):
            _ = readHead(client)
            let body = "<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>injected</Message></Error>"
            let response = "HTTP/1.1 \(status) Injected\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            shutdown(client, Int32(SHUT_WR))
            Thread.sleep(forTimeInterval: 0.05)
            close(client)
        case .delay(let seconds):
            Thread.sleep(forTimeInterval: seconds)
            pipe(client, dropResponse: false)
        case .pass:
            pipe(client, dropResponse: false)
        case .dropResponse:
            pipe(client, dropResponse: true)
        }
    }

    private func connectUpstream() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = upstreamPort.bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        return fd
    }

    private func pipe(_ client: Int32, dropResponse: Bool) {
        let upstream = connectUpstream()
        guard upstream >= 0 else { resetAndClose(client); return }
        let done = DispatchGroup()
        done.enter()
        let up = Thread {
            Self.copy(from: client, to: upstream)
            shutdown(upstream, Int32(SHUT_WR))
            done.leave()
        }
        up.start()
        if dropResponse {
            var byte: UInt8 = 0
            _ = recv(upstream, &byte, 1, 0)  // the server has answered, so it acted on the request
            Thread.sleep(forTimeInterval: 0.2)
            resetAndClose(client)
            close(upstream)
            done.wait()
            return
        }
        Self.copy(from: upstream, to: client)
        shutdown(client, Int32(SHUT_RDWR))
        done.wait()
        close(client)
        close(upstream)
    }

    private static func copy(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                if w <= 0 { return }
                sent += w
            }
        }
    }
}

extension S3TestEnv {
    var port: UInt16 { UInt16(endpoint.split(separator: ":").last.map(String.init) ?? "") ?? 0 }
}
