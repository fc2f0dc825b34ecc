import Entities
import Foundation
import Synchronization

public struct ObjectInfo: Sendable, Equatable {
    public var key: String
    public var size: Int64
    /// Without quotes. For multipart objects this is `md5-of-part-md5s-N`, never an MD5 of the content.
    public var etag: String
    public var lastModified: Date?
    /// `x-amz-meta-*` values by suffix (HEAD only).
    public var metadata: [String: String]
}

public struct PartInfo: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String
    public var size: Int64
    /// Base64 SHA-256 of the part, for uploads created with `x-amz-checksum-algorithm: SHA256`.
    public var checksumSHA256: String?

    public init(partNumber: Int, etag: String, size: Int64, checksumSHA256: String? = nil) {
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
        self.checksumSHA256 = checksumSHA256
    }
}

public struct MultipartUploadInfo: Sendable, Equatable {
    public var key: String
    public var uploadID: String
    public var initiated: Date?
}

/// One request as seen by the client, for statistics and tests (no headers, no secrets).
public struct RequestEvent: Sendable {
    public var operation: String
    public var key: String
    public var partNumber: Int?
    public var status: Int?
    public var bytesSent: Int64
    public var attempt: Int
    public var error: SyncError?
}

enum ETag {
    static func normalize(_ s: String?) -> String {
        guard var v = s else { return "" }
        if v.hasPrefix("W/") { v.removeFirst(2) }
        return v.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}

enum S3Time {
    static func parse(_ s: String?) -> Date? {
        guard let s else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        let h = DateFormatter() // Last-Modified header (RFC 7231)
        h.locale = Locale(identifier: "en_US_POSIX")
        h.timeZone = TimeZone(identifier: "GMT")
        h.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return h.date(from: s)
    }
}

/// Set from any thread to stop transfers at the next progress callback.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
