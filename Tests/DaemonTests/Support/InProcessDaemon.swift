import ControlAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Store

@testable import Daemon

/// The daemon's services and router built in this process (no socket, no child process, the store in memory, or
/// with `storeOnDisk` the daemon's SQLite file under the state directory), driven with Hummingbird's router test
/// client. The services are not started: routes that only read, validate or write the store answer.
struct InProcessDaemon {
    let root: String
    let services: DaemonServices
    let router: Router<DaemonRequestContext>
    let registered: [EndpointDescriptor]

    init(label: String, storeOnDisk: Bool = false, configure: (inout DaemonConfig) -> Void = { _ in }) throws {
        root = try makeTemporaryDirectory(label)
        var config = DaemonConfig.defaults()
        config.socket = root + "/unused.sock"
        config.stateDir = root + "/state"
        configure(&config)
        try FileManager.default.createDirectory(atPath: config.stateDir, withIntermediateDirectories: true)
        var logger = Logger(label: "test.inprocess")
        logger.logLevel = .warning
        services = try DaemonServices(
            config: config, stateDirectory: config.stateDir,
            store: storeOnDisk ? nil : try Store.inMemory(filesDirectory: config.stateDir), logger: logger)
        (router, registered) = ControlServer.makeRouter(config: config, routes: services.routes, policy: nil)
    }

    func removeFiles() { try? FileManager.default.removeItem(atPath: root) }

    func test<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await Application(router: router).test(.router) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    /// Sends a request built from `E`'s types, exactly as `ControlClient` would.
    func send<E: Endpoint>(
        _: E.Type, _ path: E.PathParameters, query: E.Query, body: E.Body, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        let request = try E.request(path, query: query, body: body)
        return try await execute(
            uri: request.target, method: HTTPRequest.Method(rawValue: request.method.rawValue)!, headers: headers,
            body: request.body.map { ByteBuffer(bytes: $0) })
    }

    /// Sends and decodes with `E`'s reply type (or throws the API error the reply carries).
    func call<E: Endpoint>(
        _ endpoint: E.Type, _ path: E.PathParameters, query: E.Query, body: E.Body
    ) async throws -> E.Response where E.Response: Decodable {
        let response = try await send(endpoint, path, query: query, body: body)
        return try E.decode(status: Int(response.status.code), body: Array(buffer: response.body))
    }
}

/// The JSON error body of a reply, if it has one.
func apiError(_ response: TestResponse) -> APIErrorBody? {
    try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body.readableBytesView))
}
