/// How the caller should react to a failure.
public enum ErrorClass: String, Sendable, Equatable {
    /// Transient (5xx, 429/SlowDown, RequestTimeout, timeouts, resets): retry with backoff.
    case retryable
    /// Credentials or permissions (401/403, signature, clock skew): fix the configuration.
    case auth
    /// The request or the data is wrong (4xx, bad digest, integrity mismatch): retrying will not help.
    case validation
    /// The object or upload does not exist.
    case notFound
    /// A conditional write lost (412) or the remote holds something else.
    case conflict
    /// Local problem (file I/O, journal).
    case local
    /// The caller cancelled.
    case cancelled
}

/// Every error the Sync module throws. Messages name the operation, key and server code; never a secret.
public enum SyncError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The server answered with an HTTP error status.
    case http(operation: String, key: String, status: Int, code: String?, message: String?, requestID: String?)
    /// libcurl failed before a full response (connect, reset, timeout, TLS).
    case transport(operation: String, key: String, curlCode: Int, message: String)
    /// Data did not match what was expected (hash, ETag, size).
    case integrity(String)
    case invalidConfiguration(String)
    case credentials(CredentialsError)
    case io(path: String, message: String)
    case journal(String)
    /// The server answered 2xx but the body could not be understood.
    case protocolViolation(String)
    case cancelled
    /// The per-sync retry budget ran out; wraps the last error.
    indirect case budgetExhausted(last: SyncError)

    public var errorClass: ErrorClass {
        switch self {
        case .http(_, _, let status, let code, _, _):
            return Self.classify(status: status, code: code)
        case .transport(_, _, let curlCode, _):
            // 35/51/58/60/77/83/90/91: TLS and certificate problems are configuration, not weather.
            return [35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91].contains(curlCode)
                ? .auth
                : [1, 3, 4].contains(curlCode) ? .validation : .retryable
        case .integrity, .invalidConfiguration, .protocolViolation: return .validation
        case .credentials: return .auth
        case .io, .journal: return .local
        case .cancelled: return .cancelled
        case .budgetExhausted(let last): return last.errorClass == .retryable ? .retryable : last.errorClass
        }
    }

    public var isRetryable: Bool {
        if case .budgetExhausted = self { return false }
        return errorClass == .retryable
    }

    /// The server refused the request's credentials (403, `SignatureDoesNotMatch`, `ExpiredToken`…): reading
    /// them again (rotated keys, renewed session token) may help.
    public var isCredentialRejection: Bool {
        guard case .http(_, _, let status, let code, _, _) = self else { return false }
        if let code,
            [
                "SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken", "InvalidToken",
                "TokenRefreshRequired", "InvalidClientTokenId", "AccessDenied",
            ].contains(code)
        {
            return true
        }
        return status == 401 || status == 403
    }

    static func classify(status: Int, code: String?) -> ErrorClass {
        if let code {
            if [
                "RequestTimeTooSkewed", "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "ExpiredToken",
                "InvalidToken", "TokenRefreshRequired", "InvalidClientTokenId",
            ].contains(code) {
                return .auth
            }
            if ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "OperationAborted"].contains(code)
            {
                return .retryable
            }
        }
        switch status {
        case 401, 403: return .auth
        case 404: return .notFound
        case 409, 412: return .conflict
        case 408, 429: return .retryable
        case 500...599: return .retryable
        default: return .validation
        }
    }

    public var description: String {
        switch self {
        case .http(let op, let key, let status, let code, let message, let rid):
            var s = "\(op) \(key.isEmpty ? "(bucket)" : key): HTTP \(status)"
            if let code { s += " \(code)" }
            if let message, !message.isEmpty { s += ": \(message)" }
            if let rid { s += " (request id \(rid))" }
            switch errorClass {
            case .auth where code == "RequestTimeTooSkewed": s += " — check this machine's clock (NTP)"
            case .auth: s += " — check the access key, secret and the bucket policy"
            default: break
            }
            return s
        case .transport(let op, let key, let curlCode, let message):
            return "\(op) \(key.isEmpty ? "(bucket)" : key): \(message) (curl error \(curlCode))"
        case .integrity(let m): return "integrity check failed: \(m)"
        case .invalidConfiguration(let m): return "invalid remote configuration: \(m)"
        case .credentials(let e): return e.description
        case .io(let path, let m): return "\(path): \(m)"
        case .journal(let m): return "sync journal: \(m)"
        case .protocolViolation(let m): return "unexpected server response: \(m)"
        case .cancelled: return "cancelled"
        case .budgetExhausted(let last): return "gave up after the retry budget ran out; last error: \(last)"
        }
    }
}
