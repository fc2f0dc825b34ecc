/// The closed set of error classes (containerd's errdefs): every domain error declares one, the control API sends
/// it as `code`, and the HTTP layer maps it to exactly one status (`APIErrorCode.httpStatus` in ControlAPI).
/// Before adding a class, check whether an existing one fits.
public enum ErrorCategory: String, Codable, Sendable, CaseIterable {
    /// The request or the input is wrong; retrying the same thing will not help.
    case invalidArgument = "invalid_argument"
    /// The named thing (workspace, remote, file, checkpoint) does not exist.
    case notFound = "not_found"
    /// It contradicts what exists (a duplicate name, a remote still in use).
    case conflict = "conflict"
    /// Credentials or permissions.
    case permissionDenied = "permission_denied"
    case payloadTooLarge = "payload_too_large"
    /// Not possible now (not ready yet, a dependency is down); may work later.
    case unavailable = "unavailable"
    case timeout = "timeout"
    /// A bug or a local failure the caller cannot fix; details go to the log, not to the client.
    case `internal` = "internal"
}

/// An error that knows its class. Domain error types conform in their own module, so the HTTP layer maps every
/// error the same way without catching specific types.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: ErrorCategory { get }
}
