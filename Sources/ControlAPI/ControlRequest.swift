import Foundation

/// One request as it goes on the wire, built from an endpoint's types (the transport is the caller's: libcurl on the
/// Unix socket in `ControlClient`, Hummingbird's test client in the tests).
public struct ControlRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// Path and query, escaped.
    public var target: String
    public var body: [UInt8]?
    public var headers: [String: String]

    public init(method: HTTPMethod, target: String, body: [UInt8]?, headers: [String: String] = [:]) {
        self.method = method
        self.target = target
        self.body = body
        self.headers = headers
    }
}

extension Endpoint {
    /// The wire request for these parameters (`NoBody`: no body is sent).
    public static func request(
        _ parameters: PathParameters, query: Query, body: Body
    ) throws(ControlClientError) -> ControlRequest {
        var encoded: [UInt8]?
        if Body.self != NoBody.self {
            do { encoded = Array(try ControlWire.encoder().encode(body)) } catch {
                throw .protocolViolation("cannot encode the \(method.rawValue) \(path) request: \(error)")
            }
        }
        return ControlRequest(method: method, target: target(parameters, query), body: encoded)
    }
}

extension Endpoint where Response: Decodable {
    /// The reply's value, or the API error it carries.
    public static func decode(status: Int, body: [UInt8]) throws(ControlClientError) -> Response {
        guard (200..<300).contains(status) else { throw ControlClient.apiError(status: status, body: body) }
        do { return try ControlWire.decoder().decode(Response.self, from: Data(body)) } catch {
            throw .protocolViolation("unexpected reply to \(method.rawValue) \(path): \(error)")
        }
    }
}
