import ControlAPI
import Entities
import Foundation
import Testing

/// Drives real `transtokd` and `transtok` processes over the Unix socket.
@Suite(.serialized) struct DaemonProcessTests {
    @Test func socketIsPrivateAndStatusAnswers() throws {
        let daemon = try DaemonProcess(label: "status")
        try daemon.waitUntilReady()
        var info = stat()
        #expect(lstat(daemon.socket, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600)
        let (status, reply) = try daemon.client.call("GET", "/v1/status", as: StatusResponse.self)
        #expect(status.version == TranstokVersion.current)
        #expect(status.socket == daemon.socket)
        #expect(status.stateDirectory == daemon.stateDir)
        #expect(reply.serverVersion == TranstokVersion.current)
        // The database and its WAL are private too.
        #expect(lstat(daemon.stateDir + "/transtok.sqlite", &info) == 0)
        #expect(info.st_mode & 0o077 == 0)
    }

    @Test func sigtermShutsDownGracefullyAndRemovesTheSocket() throws {
        let daemon = try DaemonProcess(label: "term")
        try daemon.waitUntilReady()
        #expect(try daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
        #expect(daemon.log.contains("stopped"))
    }

    @Test func aSecondDaemonOnTheSameStateDirectoryIsRefused() throws {
        let first = try DaemonProcess(label: "lock")
        try first.waitUntilReady()
        let second = try runCommand(
            Binaries.daemon, ["--state-dir", first.stateDir, "--socket", first.root + "/other.sock"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("already using the state directory"))
        #expect(second.stderr.contains("pid \(first.process.processIdentifier)"))
        // A daemon with another state dir must not steal the live socket either.
        let third = try runCommand(Binaries.daemon, ["--state-dir", first.root + "/state2", "--socket", first.socket])
        #expect(third.status == 1)
        #expect(third.stderr.contains("refusing to take over"))
        #expect(try first.client.send(method: "GET", path: "/v1/health").status == 200)
    }

    @Test func aStaleSocketFileIsReplaced() throws {
        let root = try makeTemporaryDirectory("stale")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A socket file nobody listens on, as left by a crashed daemon.
        let path = root + "/run/transtokd.sock"
        try FileManager.default.createDirectory(atPath: root + "/run", withIntermediateDirectories: true)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))
        let daemon = try DaemonProcess(label: "stale2", socket: path)
        try daemon.waitUntilReady()
        #expect(try ControlClient(socketPath: path).send(method: "GET", path: "/v1/health").status == 200)
    }

    @Test func malformedAndOversizedRequestsGetJSONErrors() throws {
        let daemon = try DaemonProcess(label: "bad", environment: ["TRANSTOK_MAX_REQUEST_BYTES": "4096"])
        try daemon.waitUntilReady()
        let client = daemon.client
        func error(_ reply: ControlClient.Reply) throws -> APIErrorBody {
            try JSONDecoder().decode(APIErrorBody.self, from: Data(reply.body))
        }
        let badJSON = try client.send(method: "POST", path: "/v1/workspaces", body: Array("{not json".utf8))
        #expect(badJSON.status == 400)
        #expect(try error(badJSON).error.code == .invalidArgument)

        let wrongShape = try client.send(method: "POST", path: "/v1/workspaces", body: Array(#"{"name": 3}"#.utf8))
        #expect(wrongShape.status == 400)

        let invalidName = try client.send(
            method: "POST", path: "/v1/workspaces",
            body: Array(
                #"{"name":"../x","sourceLanguage":"en","targetLanguage":"es","sourceModel":"/m","parallelDirectories":[]}"#
                    .utf8))
        #expect(invalidName.status == 400)
        #expect(try error(invalidName).error.message.contains("name"))

        let huge = try client.send(
            method: "POST", path: "/v1/workspaces", body: Array(repeating: UInt8(ascii: " "), count: 64 * 1024))
        #expect(huge.status == 413)
        #expect(try error(huge).error.code == .payloadTooLarge)

        let missing = try client.send(method: "GET", path: "/v1/no-such-thing")
        #expect(missing.status == 404)
        #expect(try error(missing).error.code == .notFound)

        // The daemon is still healthy after all that.
        #expect(try client.send(method: "GET", path: "/v1/health").status == 200)
    }

    @Test func workspacesCreatedOverTheSocketShowInStatus() throws {
        let daemon = try DaemonProcess(label: "ws")
        try daemon.waitUntilReady()
        try TinyModel.write(to: daemon.root + "/model")
        let request = WorkspaceRequest(
            WorkspaceSpec(
                name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: daemon.root + "/model",
                parallelDirectories: [daemon.root + "/incoming"]), createDirectories: true)
        _ = try daemon.client.call("POST", "/v1/workspaces", body: request, as: WorkspaceStatus.self)
        let (status, _) = try daemon.client.call("GET", "/v1/status", as: StatusResponse.self)
        #expect(status.workspaces.map(\.name) == ["en-es"])
        #expect(status.workspaces.first?.watchedDirectories == [daemon.root + "/incoming"])
    }

    @Test func sdNotifyReportsReadyAndStopping() throws {
        let root = try makeTemporaryDirectory("notify")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }
        let daemon = try DaemonProcess(label: "notify2", environment: ["NOTIFY_SOCKET": path])
        #expect(receive().contains("READY=1"))
        #expect(try daemon.terminate() == 0)
        #expect(receive().contains("STOPPING=1"))
    }
}
