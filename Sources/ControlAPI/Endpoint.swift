/// The control API's contract: every endpoint is a type naming its method, path template, path and query parameter
/// types, request body and response. The daemon registers its routes from these types and the client builds its
/// requests from them, so a path, a parameter or a wire type exists in exactly one place (`ControlEndpoints.all`).
public protocol Endpoint: Sendable {
    /// Values for the `{name}` placeholders of `path`.
    associatedtype PathParameters: ControlAPI.PathParameters = NoPathParameters
    associatedtype Query: QueryParameters = NoQuery
    /// The JSON request body (`NoBody`: none is sent or read).
    associatedtype Body: Codable & Sendable = NoBody
    /// The reply: a JSON-decodable type, `PlainText`, or `TextStream` (chunked plain text).
    associatedtype Response: Sendable

    static var method: HTTPMethod { get }
    /// `/v1/…`, with `{name}` placeholders for path parameters.
    static var path: String { get }
}

public enum HTTPMethod: String, Sendable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case delete = "DELETE"
}

/// The request body of endpoints that take none.
public struct NoBody: Codable, Sendable, Equatable {
    public init() {}
}

/// A `text/plain` reply (metrics).
public struct PlainText: Sendable, Equatable {
    public var text: String
    public var contentType: String
    public init(text: String, contentType: String) {
        self.text = text
        self.contentType = contentType
    }
}

/// A streamed `text/plain` reply (translation), delivered chunk by chunk.
public struct TextStream: Sendable {}

/// What a test or a log needs to know about an endpoint without its generic types.
public struct EndpointDescriptor: Sendable, Hashable, CustomStringConvertible {
    public var method: HTTPMethod
    public var path: String
    public var pathParameters: [String]
    public var queryKeys: [String]
    public var body: String
    public var response: String

    public var description: String { "\(method.rawValue) \(path)" }
}

extension Endpoint {
    public static var descriptor: EndpointDescriptor {
        EndpointDescriptor(
            method: method, path: path, pathParameters: PathParameters.names, queryKeys: Query.keys,
            body: String(reflecting: Body.self), response: String(reflecting: Response.self))
    }

    /// The request line's target: the path with its parameters filled in and percent-encoded, and the query string.
    public static func target(_ parameters: PathParameters, _ query: Query) -> String {
        var rendered = ""
        var rest = Substring(path)
        let values = parameters.values
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            rendered += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            rendered += QueryString.escape(values[name] ?? "")
            rest = rest[rest.index(after: close)...]
        }
        rendered += rest
        let items = query.items
        return items.isEmpty ? rendered : rendered + "?" + QueryString.encode(items)
    }

    /// The path in Hummingbird's route syntax (`{name}` becomes `:name`).
    public static var routerPath: String {
        path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
    }
}
