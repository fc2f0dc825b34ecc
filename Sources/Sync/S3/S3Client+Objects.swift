import Foundation
import Hashing

extension S3Client {
    /// Single PUT. `sha256Hex` is the body's SHA-256 (signed as the payload hash); `contentMD5` is sent as
    /// Content-MD5 and the returned ETag must equal it. `ifNoneMatch` makes the write fail (412) if the key exists.
    @discardableResult
    public func putObject(
        key: String, body: RequestBody, sha256Hex: String, contentMD5: [UInt8], metadata: [String: String] = [:],
        contentType: String = "application/octet-stream", ifNoneMatch: Bool = false, budget: RetryBudget? = nil,
        cancel: CancellationFlag? = nil, progress: (@Sendable (Int64) -> Void)? = nil
    ) throws(SyncError) -> String {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("Content-MD5", Data(contentMD5).base64EncodedString()),
        ]
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(k)", v)) }
        if ifNoneMatch { headers.append(("If-None-Match", "*")) }
        let r = try execute(
            Call(operation: "PutObject", method: "PUT", key: key, headers: headers, body: body, payloadHash: sha256Hex),
            budget: budget, cancel: cancel, progress: progress)
        let etag = ETag.normalize(r.headers["etag"])
        let expected = Digest.hex(contentMD5)
        // With SSE-KMS/SSE-C the ETag is not the MD5; the server has still checked Content-MD5.
        let encrypted =
            r.headers["x-amz-server-side-encryption"] == "aws:kms"
            || r.headers["x-amz-server-side-encryption-customer-algorithm"] != nil
        guard etag == expected || encrypted else {
            throw .integrity("PutObject \(key): server ETag \(etag) is not the MD5 we sent (\(expected))")
        }
        return etag
    }

    /// Single PUT protected by `x-amz-checksum-sha256` (verified by the server) instead of Content-MD5: for
    /// content-addressed blobs whose SHA-256 is already known, no other hash of the body is needed.
    @discardableResult
    public func putObject(
        key: String, body: RequestBody, sha256: [UInt8], metadata: [String: String] = [:],
        contentType: String = "application/octet-stream", budget: RetryBudget? = nil, cancel: CancellationFlag? = nil,
        progress: (@Sendable (Int64) -> Void)? = nil
    ) throws(SyncError) -> String {
        let checksum = Data(sha256).base64EncodedString()
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("x-amz-checksum-sha256", checksum),
        ]
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(k)", v)) }
        let r = try execute(
            Call(
                operation: "PutObject", method: "PUT", key: key, headers: headers, body: body,
                payloadHash: Digest.hex(sha256)),
            budget: budget, cancel: cancel, progress: progress)
        if let echoed = r.headers["x-amz-checksum-sha256"], echoed != checksum {
            throw .integrity("PutObject \(key): server checksum \(echoed) is not ours")
        }
        return ETag.normalize(r.headers["etag"])
    }

    /// Convenience for small in-memory objects.
    @discardableResult
    public func putObject(
        key: String, bytes: [UInt8], metadata: [String: String] = [:], contentType: String = "application/octet-stream",
        ifNoneMatch: Bool = false, budget: RetryBudget? = nil
    ) throws(SyncError) -> String {
        try putObject(
            key: key, body: .bytes(bytes), sha256Hex: Digest.sha256Hex(bytes), contentMD5: Digest.md5(bytes),
            metadata: metadata, contentType: contentType, ifNoneMatch: ifNoneMatch, budget: budget)
    }

    /// HEAD; nil when the object does not exist.
    public func headObject(key: String, budget: RetryBudget? = nil) throws(SyncError) -> ObjectInfo? {
        let r = try execute(Call(operation: "HeadObject", method: "HEAD", key: key, accept: [404]), budget: budget)
        if r.status == 404 { return nil }
        var meta: [String: String] = [:]
        for (k, v) in r.headers where k.hasPrefix("x-amz-meta-") { meta[String(k.dropFirst(11))] = v }
        return ObjectInfo(
            key: key, size: Int64(r.headers["content-length"] ?? "") ?? 0, etag: ETag.normalize(r.headers["etag"]),
            lastModified: S3Time.parse(r.headers["last-modified"]), metadata: meta)
    }

    /// GET into memory (small objects: manifests). `range` is inclusive.
    public func getObject(key: String, range: ClosedRange<Int64>? = nil, budget: RetryBudget? = nil)
        throws(SyncError) -> [UInt8]
    {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        return try execute(Call(operation: "GetObject", method: "GET", key: key, headers: headers), budget: budget).body
    }

    /// Ranged GET of `key` from byte `from` to the end, written into `fd` at `fileOffset`. Returns bytes written.
    public func download(
        key: String, from: Int64, into fd: Int32, fileOffset: Int64, budget: RetryBudget? = nil,
        cancel: CancellationFlag? = nil, progress: (@Sendable (Int64) -> Void)? = nil
    ) throws(SyncError) -> Int64 {
        var headers: [(name: String, value: String)] = []
        if from > 0 { headers.append(("Range", "bytes=\(from)-")) }
        let r = try execute(
            Call(
                operation: "GetObject", method: "GET", key: key, headers: headers,
                sink: .file(fd: fd, offset: fileOffset)),
            budget: budget, cancel: cancel, progress: progress)
        if from > 0, r.status != 206 {
            throw .protocolViolation("GetObject \(key): asked for a range, got HTTP \(r.status)")
        }
        return r.bytesWritten
    }

    public func deleteObject(key: String, budget: RetryBudget? = nil) throws(SyncError) {
        _ = try execute(Call(operation: "DeleteObject", method: "DELETE", key: key, accept: [404]), budget: budget)
    }

    /// ListObjectsV2 over all pages.
    public func listObjects(prefix: String, budget: RetryBudget? = nil) throws(SyncError) -> [ObjectInfo] {
        var out: [ObjectInfo] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix), ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let r = try execute(Call(operation: "ListObjectsV2", method: "GET", key: "", query: query), budget: budget)
            let xml = r.bodyText
            for entry in MiniXML.elements("Contents", in: xml) {
                guard let key = MiniXML.value("Key", in: entry) else { continue }
                out.append(
                    ObjectInfo(
                        key: key, size: Int64(MiniXML.value("Size", in: entry) ?? "") ?? 0,
                        etag: ETag.normalize(MiniXML.value("ETag", in: entry)),
                        lastModified: S3Time.parse(MiniXML.value("LastModified", in: entry)), metadata: [:]))
            }
            let truncated = MiniXML.value("IsTruncated", in: xml) == "true"
            token = truncated ? MiniXML.value("NextContinuationToken", in: xml) : nil
            if truncated && token == nil {
                throw .protocolViolation("ListObjectsV2 \(prefix): truncated listing without a continuation token")
            }
        } while token != nil
        return out
    }
}
