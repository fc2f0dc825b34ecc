import Errdefs

extension ModelFileError: CategorizedError {
    /// A model file that cannot be read as a model is the caller's input problem; I/O failures are ours.
    public var category: ErrorCategory {
        switch self {
        case .cannotOpen, .tensorNotFound: .notFound
        case .truncated, .badMagic, .unsupportedVersion, .invalidHeader, .unsupportedDType, .shapeMismatch,
            .invalidConfig, .unsupportedArchitecture, .malformedLine:
            .invalidArgument
        case .io: .internal
        }
    }
}
