import ControlAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import Testing

@testable import Daemon

/// The endpoint table against the daemon's router, in process: every entry is registered through the table, with
/// its types, and answers at its path; errors keep to the closed set of classes.
@Suite struct ControlContractTests {
    @Test func theRouterRegistersExactlyTheTable() throws {
        let daemon = try InProcessDaemon(label: "contract")
        defer { daemon.removeFiles() }
        let table = ControlEndpoints.all.map { $0.descriptor }
        #expect(Set(table).count == table.count, "an endpoint is listed twice")
        #expect(Set(table.map { "\($0.method.rawValue) \($0.path)" }).count == table.count, "two entries share a route")
        #expect(Set(daemon.registered) == Set(table))
        #expect(daemon.registered.count == table.count, "a route is registered twice")
    }

    @Test func everyEndpointAnswersAtItsPath() async throws {
        let daemon = try InProcessDaemon(label: "paths")
        defer { daemon.removeFiles() }
        try await daemon.test { client in
            for endpoint in ControlEndpoints.all {
                try await probe(endpoint, client)
            }
        }
    }

    /// Sends `E`'s request (a workspace or remote named `nope`, an empty JSON body) and checks that the router
    /// found the route: the reply is never the router's own "no such endpoint" or "method not allowed", and a
    /// successful JSON reply decodes as `E.Response`.
    private func probe<E: Endpoint>(_: E.Type, _ client: some TestClientProtocol) async throws {
        let path = try E.PathParameters(
            values: Dictionary(uniqueKeysWithValues: E.PathParameters.names.map { ($0, "nope") }))
        let query = try E.Query(query: QueryValues(E.Query.keys.contains("word") ? ["word": "x"] : [:]))
        let target = E.target(path, query)
        let response = try await client.execute(
            uri: target, method: HTTPRequest.Method(rawValue: E.method.rawValue)!,
            body: E.Body.self == NoBody.self ? nil : ByteBuffer(string: "{}"))
        let error = apiError(response)
        #expect(response.status != .methodNotAllowed, "\(E.descriptor)")
        #expect(error?.error.message != "no such endpoint", "\(E.descriptor) is not routed")
        if (200..<300).contains(response.status.code), let decodable = E.Response.self as? any Decodable.Type {
            #expect(throws: Never.self, "\(E.descriptor) reply does not decode as \(E.Response.self)") {
                _ = try ControlWire.decoder().decode(decodable, from: Data(response.body.readableBytesView))
            }
        } else if !(200..<300).contains(response.status.code) {
            #expect(error != nil, "\(E.descriptor) error reply is not the JSON error shape")
        }
    }

    @Test func typedCallsRoundTrip() async throws {
        let daemon = try InProcessDaemon(label: "typed")
        defer { daemon.removeFiles() }
        try await daemon.test { client in
            let health = try await client.call(ControlEndpoints.Health.self, .init(), query: .init(), body: .init())
            #expect(health.version == TranstokVersion.current)
            let status = try await client.call(ControlEndpoints.Status.self, .init(), query: .init(), body: .init())
            #expect(status.workspaces.isEmpty)
            let sync = try await client.call(ControlEndpoints.SyncStatus.self, .init(), query: .init(), body: .init())
            #expect(sync.workspaces.isEmpty)
            let files = try await client.call(
                ControlEndpoints.ListFiles.self, .init(), query: .init(state: .rejected), body: .init())
            #expect(files.isEmpty)
        }
    }

    /// Query values with `&`, `=`, `+`, spaces and non-ASCII reach the handler intact (one encoder, one decoder).
    @Test func queryValuesSurviveEscaping() async throws {
        let query = LookupQuery(word: "a&b=c d+e/é#?", reverse: true, limit: 7, workspace: "w&x")
        let target = ControlEndpoints.Lookup.target(.init(), query)
        #expect(!target.contains(" ") && target.split(separator: "?").count == 2)
        let decoded = try LookupQuery(query: QueryValues(QueryString.decode(String(target.split(separator: "?")[1]))))
        #expect(decoded == query)

        let daemon = try InProcessDaemon(label: "escape")
        defer { daemon.removeFiles() }
        let response = try await daemon.test { client in
            try await client.send(ControlEndpoints.Lookup.self, .init(), query: query, body: .init())
        }
        #expect(response.status == .notFound)
        #expect(apiError(response)?.error.message == "no workspace named w&x")
    }

    @Test func badQueryValuesAreInvalidArgumentsNamingTheKey() async throws {
        let daemon = try InProcessDaemon(label: "badquery")
        defer { daemon.removeFiles() }
        let (state, limit) = try await daemon.test { client in
            (
                try await client.execute(uri: "/v1/files?state=lost", method: .get),
                try await client.execute(uri: "/v1/lookup?word=x&limit=500", method: .get)
            )
        }
        #expect(state.status == .badRequest)
        #expect(apiError(state)?.error.code == .invalidArgument)
        #expect(apiError(state)?.error.message.contains("ingested, pending, rejected, retracted") == true)
        #expect(limit.status == .badRequest)
        #expect(apiError(limit)?.error.message.contains("limit") == true)
    }
}

/// One error taxonomy: domain errors carry their class and the HTTP layer maps it in one place.
@Suite struct ErrorTaxonomyTests {
    @Test func aMissingWorkspaceIsNotFoundOverTheRouter() async throws {
        let daemon = try InProcessDaemon(label: "notfound")
        defer { daemon.removeFiles() }
        let (remote, files) = try await daemon.test { client in
            (
                try await client.send(
                    ControlEndpoints.SetWorkspaceRemote.self, NameParameter("nope"), query: .init(),
                    body: .init(remote: nil)),
                try await client.send(
                    ControlEndpoints.ListFiles.self, .init(), query: .init(workspace: "nope"), body: .init())
            )
        }
        #expect(remote.status == .notFound)
        #expect(apiError(remote)?.error.code == .notFound)
        #expect(files.status == .notFound)
        #expect(apiError(files)?.error.code == .notFound)
    }

    /// A store error thrown by any handler reaches the client with its class, not as a 500 (on main a
    /// `StoreError.notFound` that no route caught by hand was an `internal` error).
    @Test func domainErrorsMapByTheirClass() async throws {
        let router = Router(context: DaemonRequestContext.self)
        router.add(middleware: ErrorMappingMiddleware())
        router.get("/store-not-found") { _, _ -> String in throw StoreError.notFound("workspace ghost") }
        router.get("/store-conflict") { _, _ -> String in throw StoreError.conflict("a remote named r already exists") }
        router.get("/store-open") { _, _ -> String in throw StoreError.cannotOpen(path: "/secret/db", reason: "EIO") }
        router.get("/config") { _, _ -> String in throw ConfigError.invalid(key: "workspace.name", message: "is empty")
        }
        let replies = try await Application(router: router).test(.router) { client in
            var replies: [String: TestResponse] = [:]
            for path in ["/store-not-found", "/store-conflict", "/store-open", "/config"] {
                replies[path] = try await client.execute(uri: path, method: .get)
            }
            return replies
        }
        let notFound = try #require(replies["/store-not-found"])
        #expect(notFound.status == .notFound)
        #expect(apiError(notFound) == APIErrorBody(code: .notFound, message: "workspace ghost not found"))
        #expect(replies["/store-conflict"]?.status == .conflict)
        let open = try #require(replies["/store-open"])
        #expect(open.status == .internalServerError)
        #expect(apiError(open)?.error.code == .internal)
        #expect(apiError(open)?.error.message.contains("/secret/db") == false, "internal details leaked")
        #expect(replies["/config"]?.status == .badRequest)
    }

    @Test func everyClassHasOneDistinctErrorStatus() {
        let statuses = APIErrorCode.allCases.map(\.httpStatus)
        #expect(Set(statuses).count == statuses.count)
        #expect(statuses.allSatisfy { (400..<600).contains($0) })
    }
}
