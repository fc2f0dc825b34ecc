import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The words for an error met while reading or writing a file: "No such file or directory", "is a directory",
/// "not valid UTF-8 text", never Foundation's `Error Domain=NSCocoaErrorDomain Code=260 …` or
/// `(NSCocoaErrorDomain error 256.)`. Every module that wraps a Foundation file error in its own typed error uses
/// this for the reason, so the text users see is the same everywhere.
public enum FileErrorText {
    /// A reason without the path (the caller's error names the file). `path` lets a directory or a missing file be
    /// recognised when Foundation's error does not say which.
    public static func reason(_ error: any Error, path: String? = nil) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return errnoText(Int32(ns.code)) }
        guard ns.domain == NSCocoaErrorDomain else {
            // A typed error of ours already says what is wrong.
            if let described = error as? any CustomStringConvertible { return described.description }
            return ns.localizedDescription
        }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return errnoText(Int32(underlying.code))
        }
        let file = path ?? (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return errnoText(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return errnoText(EACCES)
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding:
            return "not valid UTF-8 text"
        // Linux Foundation reports text that is not valid in the asked encoding (always UTF-8 here) this way.
        case .fileReadCorruptFile: return "cannot be decoded (not valid UTF-8 text?)"
        case .fileReadTooLarge: return "too large to read"
        case .fileWriteOutOfSpace: return errnoText(ENOSPC)
        case .fileWriteVolumeReadOnly: return errnoText(EROFS)
        case .fileWriteFileExists: return errnoText(EEXIST)
        case .propertyListReadCorrupt:
            let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String
            return "invalid JSON" + (detail.map { ": " + $0 } ?? "")
        default:
            // Foundation gives no reason (error 256, "unknown"): look at the file itself.
            if let file {
                var info = stat()
                if stat(file, &info) != 0 { return errnoText(errno) }
                if (info.st_mode & S_IFMT) == S_IFDIR { return "is a directory, not a file" }
                if access(file, R_OK) != 0 { return errnoText(errno) }
            }
            return "cannot be read or written (Foundation error \(ns.code))"
        }
    }

    /// `strerror` of an errno value.
    public static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
