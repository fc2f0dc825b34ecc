import Errdefs

extension StoreError: CategorizedError {
    public var category: ErrorCategory {
        switch self {
        case .notFound: .notFound
        case .invalid: .invalidArgument
        case .conflict: .conflict
        case .cannotOpen, .newerSchema, .io: .internal
        }
    }
}
