import ControlAPI
import Foundation
import Hummingbird

/// An endpoint's decoded request: path parameters, query and body, typed by the endpoint.
struct EndpointInput<E: Endpoint>: Sendable {
    let path: E.PathParameters
    let query: E.Query
    let body: E.Body
}

/// Registers routes from `ControlEndpoints` types: the method, the path, the parameter decoding and the reply's type
/// come from the endpoint, so a handler cannot disagree with the client about any of them. Keeps the list of what
/// it registered for the contract test.
final class EndpointRouter {
    let router: Router<DaemonRequestContext>
    private(set) var registered: [EndpointDescriptor] = []

    init(router: Router<DaemonRequestContext>) { self.router = router }

    /// A JSON endpoint.
    func on<E: Endpoint>(
        _ endpoint: E.Type,
        _ handler: @escaping @Sendable (EndpointInput<E>, DaemonRequestContext) async throws -> E.Response
    ) where E.Response: Encodable {
        raw(endpoint) { input, request, context in
            let value = try await handler(input, context)
            return try context.responseEncoder.encode(value, from: request, context: context)
        }
    }

    /// An endpoint whose handler builds the `Response` itself (plain text, streams, content negotiation).
    func raw<E: Endpoint>(
        _ endpoint: E.Type,
        _ handler: @escaping @Sendable (EndpointInput<E>, Request, DaemonRequestContext) async throws -> Response
    ) {
        registered.append(E.descriptor)
        let method = HTTPRequest.Method(rawValue: E.method.rawValue) ?? .get
        router.on(RouterPath(E.routerPath), method: method) { request, context -> Response in
            let input = try await decodeInput(E.self, request, context)
            return try await handler(input, request, context)
        }
    }
}

/// Path parameters (percent-decoded), query and body of a request, as `E` declares them; a bad parameter is an
/// `invalid_argument` naming it.
private func decodeInput<E: Endpoint>(
    _: E.Type, _ request: Request, _ context: DaemonRequestContext
) async throws -> EndpointInput<E> {
    do {
        var values: [String: String] = [:]
        for name in E.PathParameters.names {
            guard let raw = context.parameters.get(name) else { continue }
            values[name] = QueryString.unescape(raw)
        }
        let path = try E.PathParameters(values: values)
        let query = try E.Query(query: QueryValues(QueryString.decode(request.uri.query ?? "")))
        let body: E.Body
        if let none = NoBody() as? E.Body {
            body = none
        } else {
            body = try await request.decode(as: E.Body.self, context: context)
        }
        return EndpointInput(path: path, query: query, body: body)
    } catch let error as ParameterError {
        throw DaemonAPIError(.invalidArgument, error.message)
    }
}
