@_exported import Errdefs

/// The error classes on the wire (the same closed set every module's errors declare, see `ErrorCategory`).
public typealias APIErrorCode = ErrorCategory

extension ErrorCategory {
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
