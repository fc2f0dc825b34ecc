import Entities
import Foundation

/// Where checkpoints go: an S3-compatible endpoint, a bucket and a key prefix. Holds no secret.
public struct RemoteConfig: Sendable, Codable, Equatable {
    /// `http(s)://host[:port]`, no path. For AWS: `https://s3.<region>.amazonaws.com`.
    public var endpoint: String
    public var bucket: String
    /// Key prefix without leading or trailing `/` (may be empty).
    public var prefix: String
    public var region: String
    public var addressing: AddressingStyle
    /// Connect through this Unix socket instead of TCP (the Host header still comes from `endpoint`).
    public var unixSocketPath: String?
    /// A PEM CA bundle instead of the system store (HTTPS only).
    public var caBundlePath: String?
    /// How uploads protect each part (`CheckpointSync` uses it unless its options name one).
    public var partIntegrity: PartIntegrity

    public init(
        endpoint: String, bucket: String, prefix: String = "", region: String = "us-east-1",
        addressing: AddressingStyle = .path, unixSocketPath: String? = nil, caBundlePath: String? = nil,
        partIntegrity: PartIntegrity = .contentMD5
    ) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.prefix = prefix.split(separator: "/").joined(separator: "/")
        self.region = region
        self.addressing = addressing
        self.unixSocketPath = unixSocketPath
        self.caBundlePath = caBundlePath
        self.partIntegrity = partIntegrity
    }

    /// A remote's settings (the one `RemoteSpec`): its URL, endpoint, region and addressing as `parse` reads them,
    /// and its part integrity.
    public static func parse(
        _ remote: RemoteSpec, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SyncError) -> RemoteConfig {
        var config = try parse(
            remote.url, endpoint: remote.endpoint, region: remote.region, addressing: remote.addressing,
            environment: environment)
        config.partIntegrity = remote.partIntegrity ?? .contentMD5
        return config
    }

    /// Parses `s3://bucket[/prefix]`; endpoint and region come from the arguments or `AWS_ENDPOINT_URL` / `AWS_REGION`.
    public static func parse(
        _ url: String, endpoint: String? = nil, region: String? = nil, addressing: AddressingStyle? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SyncError) -> RemoteConfig {
        guard url.hasPrefix("s3://") else {
            throw .invalidConfiguration("remote must look like s3://bucket/prefix, got \(url)")
        }
        let rest = url.dropFirst(5)
        let parts = rest.split(separator: "/", maxSplits: 1)
        guard let bucket = parts.first, !bucket.isEmpty else {
            throw .invalidConfiguration("remote \(url) names no bucket")
        }
        let reg = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let ep =
            endpoint ?? environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"]
            ?? "https://s3.\(reg).amazonaws.com"
        guard ep.hasPrefix("http://") || ep.hasPrefix("https://") else {
            throw .invalidConfiguration("endpoint must start with http:// or https://, got \(ep)")
        }
        let style = addressing ?? (endpoint == nil && ep.hasSuffix(".amazonaws.com") ? .virtualHosted : .path)
        return RemoteConfig(
            endpoint: ep, bucket: String(bucket), prefix: parts.count > 1 ? String(parts[1]) : "", region: reg,
            addressing: style)
    }

    /// Object key under the prefix.
    public func key(_ relative: String) -> String {
        prefix.isEmpty ? relative : prefix + "/" + relative
    }

    /// Scheme + authority (as sent in Host) + encoded path for an object key ("" = the bucket itself).
    public func location(forKey key: String) -> (url: String, host: String, encodedPath: String) {
        // `endpoint` is validated by `parse`; a bare host is treated as http.
        let schemeEnd = endpoint.range(of: "://")?.upperBound ?? endpoint.startIndex
        let scheme = schemeEnd == endpoint.startIndex ? "http://" : String(endpoint[..<schemeEnd])
        var authority = String(endpoint[schemeEnd...])
        if let slash = authority.firstIndex(of: "/") { authority = String(authority[..<slash]) }
        // Host header omits default ports, as curl does.
        if scheme == "https://", authority.hasSuffix(":443") { authority.removeLast(4) }
        if scheme == "http://", authority.hasSuffix(":80") { authority.removeLast(3) }
        let encodedKey = URIEncoding.encodePath(key)
        switch addressing {
        case .path:
            let path = "/" + URIEncoding.encode(bucket) + (key.isEmpty ? "" : "/" + encodedKey)
            return (scheme + authority + path, authority, path)
        case .virtualHosted:
            let host = bucket + "." + authority
            let path = "/" + encodedKey
            return (scheme + host + path, host, path)
        }
    }
}
