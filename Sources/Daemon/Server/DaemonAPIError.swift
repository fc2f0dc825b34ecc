import ControlAPI
import Foundation
import Hummingbird

/// An API error: one of the closed set of `APIErrorCode`s and a message for the user.
struct DaemonAPIError: CategorizedError, HTTPResponseError {
    let code: APIErrorCode
    let message: String

    init(_ code: APIErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    var category: ErrorCategory { code }
    var status: HTTPResponse.Status { .init(code: code.httpStatus) }
    var description: String { "\(code.rawValue): \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(APIErrorBody(code: code, message: message))
        return Response(
            status: status,
            headers: [.contentType: "application/json", .init(TranstokVersion.headerName)!: TranstokVersion.current],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error into the JSON error shape, in one place: our own errors pass through; a domain error
/// (`CategorizedError`: store, sync, model files, config) goes out with its class and message; Hummingbird's (bad
/// JSON, too large, not found) are mapped to the matching class; anything else, and every `internal` error, is
/// logged and its details not leaked.
struct ErrorMappingMiddleware: RouterMiddleware {
    typealias Context = DaemonRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            var response = try await next(request, context)
            response.headers[.init(TranstokVersion.headerName)!] = TranstokVersion.current
            return response
        } catch let error as DaemonAPIError {
            throw error
        } catch let error as any CategorizedError {
            guard error.category != .internal else {
                context.logger.error(
                    "request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
                throw DaemonAPIError(.internal, "internal error (see the daemon's log)")
            }
            throw DaemonAPIError(error.category, error.description)
        } catch let error as any HTTPResponseError {
            throw DaemonAPIError(Self.code(for: error.status), Self.message(for: error))
        } catch is DecodingError {
            throw DaemonAPIError(.invalidArgument, "the request body is not valid JSON for this endpoint")
        } catch {
            context.logger.error("request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            throw DaemonAPIError(.internal, "internal error (see the daemon's log)")
        }
    }

    static func code(for status: HTTPResponse.Status) -> APIErrorCode {
        switch status.code {
        case 404: .notFound
        case 405: .notFound
        case 409: .conflict
        case 403, 401: .permissionDenied
        case 413: .payloadTooLarge
        case 408, 504: .timeout
        case 503: .unavailable
        case 400..<500: .invalidArgument
        default: .internal
        }
    }

    static func message(for error: any HTTPResponseError) -> String {
        if let error = error as? HTTPError, let message = error.body, !message.isEmpty { return message }
        switch error.status.code {
        case 404: return "no such endpoint"
        case 405: return "method not allowed on this endpoint"
        case 413: return "request body too large"
        default: return error.status.reasonPhrase
        }
    }
}

/// Bounds the time a request may take; streaming endpoints opt out by path prefix. The handler runs in a child
/// task that is cancelled at the deadline, so the limit holds for handlers that honour cancellation: store work
/// runs through `offPool`, which stops waiting when cancelled (the work itself finishes on its own thread, so a
/// change a timed-out request asked for may still be applied), and so does a scan asked for over the API; waits on
/// the pipeline's queue (a lookup, a rebuild) are not cut short. Slow or idle clients are cut off by the HTTP
/// channel's idle timeout.
struct TimeoutMiddleware: RouterMiddleware {
    typealias Context = DaemonRequestContext
    let seconds: Int
    let exemptPrefixes: [String]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if exemptPrefixes.contains(where: { request.uri.path.hasPrefix($0) }) {
            return try await next(request, context)
        }
        let limit = seconds
        // The task group awaits its children before returning, so `next` never outlives this call.
        return try await withoutActuallyEscaping(next) { next in
            let handler = UncheckedHandler(run: next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.run(request, context) }
                group.addTask {
                    try await Task.sleep(for: .seconds(limit))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw DaemonAPIError(
                        .timeout, "the request took longer than \(limit) s (a change it asked for may still be applied)"
                    )
                }
                return response
            }
        }
    }

    private struct UncheckedHandler: @unchecked Sendable {
        let run: (Request, Context) async throws -> Response
    }
}
