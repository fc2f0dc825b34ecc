import Errdefs

extension SyncError: CategorizedError {
    /// Sync's own retry classes (`errorClass`) seen from a caller of the daemon.
    public var category: ErrorCategory {
        switch errorClass {
        case .retryable: .unavailable
        case .auth: .permissionDenied
        case .validation: .invalidArgument
        case .notFound: .notFound
        case .conflict: .conflict
        case .local: .internal
        case .cancelled: .unavailable
        }
    }
}
