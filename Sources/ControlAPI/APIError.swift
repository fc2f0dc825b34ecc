/// The closed set of error classes the control API returns, each with exactly one HTTP status.
/// Before adding a class, check whether an existing one fits (moby's errdefs rule).
public enum APIErrorCode: String, Codable, Sendable, CaseIterable {
    case invalidArgument = "invalid_argument"
    case notFound = "not_found"
    case conflict = "conflict"
    case permissionDenied = "permission_denied"
    case payloadTooLarge = "payload_too_large"
    case unavailable = "unavailable"
    case timeout = "timeout"
    case `internal` = "internal"

    /// The one place where error classes map to HTTP statuses.
    public var httpStatus: Int {
        switch self {
        case .invalidArgument: 400
        case .permissionDenied: 403
        case .notFound: 404
        case .conflict: 409
        case .payloadTooLarge: 413
        case .internal: 500
        case .unavailable: 503
        case .timeout: 504
        }
    }
}

/// `{"error":{"code":…,"message":…}}`.
public struct APIErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: APIErrorCode
        public var message: String
    }

    public var error: Detail

    public init(code: APIErrorCode, message: String) {
        self.error = Detail(code: code, message: message)
    }
}
