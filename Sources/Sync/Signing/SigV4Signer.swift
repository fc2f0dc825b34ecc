import Hashing

/// The parts of a request that AWS Signature Version 4 covers.
public struct SignableRequest: Sendable {
    public var method: String
    /// The URL path exactly as sent: already percent-encoded (see `URIEncoding.encodePath`).
    public var encodedPath: String
    public var query: [(name: String, value: String)]
    /// Headers to sign and send. Names are case-insensitive; `host` must be present.
    public var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(
        method: String, encodedPath: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)], payloadHash: String
    ) {
        self.method = method
        self.encodedPath = encodedPath
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// What signing produced; the intermediate strings are kept for tests and for `SignatureDoesNotMatch` debugging
/// (none of them contains the secret key).
public struct SignatureResult: Sendable {
    public var canonicalRequest: String
    public var stringToSign: String
    public var signature: String
    public var signedHeaders: String
    public var authorization: String
}

/// AWS Signature Version 4 (header form), written from the AWS documentation; HMAC-SHA256 from libcrypto.
public struct SigV4Signer: Sendable {
    public var credentials: Credentials
    public var region: String
    public var service: String

    public init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Header value normalisation: trim, collapse runs of spaces.
    static func canonicalHeaderValue(_ v: String) -> String {
        v.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingASCIIWhitespace()
    }

    public func canonicalRequest(_ r: SignableRequest) -> (request: String, signedHeaders: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in r.headers {
            merged[name.lowercased(), default: []].append(Self.canonicalHeaderValue(value))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let path = r.encodedPath.isEmpty ? "/" : r.encodedPath
        let request = [
            r.method, path, URIEncoding.canonicalQuery(r.query), canonicalHeaders, signedHeaders, r.payloadHash,
        ].joined(separator: "\n")
        return (request, signedHeaders)
    }

    /// `amzDate` is `yyyyMMdd'T'HHmmss'Z'` (UTC); it must also be sent as `x-amz-date` (callers put it in headers).
    public func sign(_ r: SignableRequest, amzDate: String) -> SignatureResult {
        let (request, signedHeaders) = canonicalRequest(r)
        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Digest.sha256Hex(request)].joined(separator: "\n")
        let kDate = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: Array(day.utf8))
        let kRegion = Digest.hmacSHA256(key: kDate, message: Array(region.utf8))
        let kService = Digest.hmacSHA256(key: kRegion, message: Array(service.utf8))
        let kSigning = Digest.hmacSHA256(key: kService, message: Array("aws4_request".utf8))
        let signature = Digest.hex(Digest.hmacSHA256(key: kSigning, message: Array(stringToSign.utf8)))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return SignatureResult(
            canonicalRequest: request, stringToSign: stringToSign, signature: signature,
            signedHeaders: signedHeaders, authorization: authorization)
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
