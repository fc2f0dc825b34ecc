import Foundation
import Hashing

extension S3Client {
    public func createMultipartUpload(
        key: String, metadata: [String: String] = [:], checksumSHA256: Bool = false, budget: RetryBudget? = nil
    ) throws(SyncError) -> String {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/octet-stream")]
        if checksumSHA256 { headers.append(("x-amz-checksum-algorithm", "SHA256")) }
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(k)", v)) }
        let r = try execute(
            Call(
                operation: "CreateMultipartUpload", method: "POST", key: key, query: [("uploads", "")], headers: headers
            ),
            budget: budget)
        guard let id = MiniXML.value("UploadId", in: r.bodyText), !id.isEmpty else {
            throw .protocolViolation("CreateMultipartUpload \(key): no UploadId in the answer")
        }
        return id
    }

    /// UploadPart with Content-MD5 and a signed SHA-256 payload hash; checks that the ETag is the part's MD5.
    public func uploadPart(
        key: String, uploadID: String, partNumber: Int, body: RequestBody, sha256Hex: String, md5: [UInt8],
        budget: RetryBudget? = nil, cancel: CancellationFlag? = nil, progress: (@Sendable (Int64) -> Void)? = nil
    ) throws(SyncError) -> String {
        let digest = PartDigest.contentMD5(sha256Hex: sha256Hex, md5: md5)
        let call = uploadPartCall(key: key, uploadID: uploadID, partNumber: partNumber, body: body, digest: digest)
        let r = try execute(call, budget: budget, cancel: cancel, progress: progress)
        return try checkedPart(r, key: key, partNumber: partNumber, size: body.length, digest: digest).etag
    }

    /// UploadPart protected by `x-amz-checksum-sha256` (the server verifies it) instead of Content-MD5; the SHA-256
    /// is also the signed payload hash. The upload must have been created with `checksumSHA256: true`.
    public func uploadPart(
        key: String, uploadID: String, partNumber: Int, body: RequestBody, sha256: [UInt8],
        budget: RetryBudget? = nil, cancel: CancellationFlag? = nil, progress: (@Sendable (Int64) -> Void)? = nil
    ) throws(SyncError) -> PartInfo {
        let digest = PartDigest.checksumSHA256(sha256)
        let call = uploadPartCall(key: key, uploadID: uploadID, partNumber: partNumber, body: body, digest: digest)
        let r = try execute(call, budget: budget, cancel: cancel, progress: progress)
        return try checkedPart(r, key: key, partNumber: partNumber, size: body.length, digest: digest)
    }

    /// The UploadPart request for one part with its digest (not sent).
    func uploadPartCall(key: String, uploadID: String, partNumber: Int, body: RequestBody, digest: PartDigest) -> Call {
        let header: (name: String, value: String)
        let payloadHash: String
        switch digest {
        case .contentMD5(let sha256Hex, let md5):
            header = ("Content-MD5", Data(md5).base64EncodedString())
            payloadHash = sha256Hex
        case .checksumSHA256(let sha256):
            header = ("x-amz-checksum-sha256", Data(sha256).base64EncodedString())
            payloadHash = Digest.hex(sha256)
        }
        return Call(
            operation: "UploadPart", method: "PUT", key: key,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], headers: [header], body: body,
            payloadHash: payloadHash, partNumber: partNumber)
    }

    /// Checks an UploadPart answer against the part's digest: the ETag must be the MD5 (unless SSE-KMS/SSE-C), or
    /// an echoed checksum must be ours.
    func checkedPart(_ r: HTTPResponse, key: String, partNumber: Int, size: Int64, digest: PartDigest) throws(SyncError)
        -> PartInfo
    {
        let etag = ETag.normalize(r.headers["etag"])
        switch digest {
        case .contentMD5(_, let md5):
            let encrypted =
                r.headers["x-amz-server-side-encryption"] == "aws:kms"
                || r.headers["x-amz-server-side-encryption-customer-algorithm"] != nil
            guard etag == Digest.hex(md5) || (encrypted && !etag.isEmpty) else {
                throw .integrity("UploadPart \(key) part \(partNumber): ETag \(etag) is not the part's MD5")
            }
            return PartInfo(partNumber: partNumber, etag: etag, size: size)
        case .checksumSHA256(let sha256):
            let checksum = Data(sha256).base64EncodedString()
            guard !etag.isEmpty else { throw .protocolViolation("UploadPart \(key) part \(partNumber): no ETag") }
            if let echoed = r.headers["x-amz-checksum-sha256"], echoed != checksum {
                throw .integrity("UploadPart \(key) part \(partNumber): server checksum \(echoed) is not ours")
            }
            return PartInfo(partNumber: partNumber, etag: etag, size: size, checksumSHA256: checksum)
        }
    }

    /// The ETag a complete multipart object must have: MD5 of the concatenated binary part MD5s, "-N".
    public static func multipartETag(partETags: [String]) -> String {
        var bytes: [UInt8] = []
        for e in partETags {
            var i = e.startIndex
            while i < e.endIndex, let j = e.index(i, offsetBy: 2, limitedBy: e.endIndex),
                let b = UInt8(e[i..<j], radix: 16)
            {
                bytes.append(b)
                i = j
            }
        }
        return Digest.hex(Digest.md5(bytes)) + "-\(partETags.count)"
    }

    /// CompleteMultipartUpload. A failure after the request may have reached the server (timeout, reset, 5xx) is
    /// checked with HEAD: if the object now has the expected multipart ETag, the upload did complete.
    public func completeMultipartUpload(
        key: String, uploadID: String, parts: [PartInfo], ifNoneMatch: Bool = false, budget: RetryBudget? = nil
    ) throws(SyncError) -> String {
        let sorted = parts.sorted { $0.partNumber < $1.partNumber }
        var xml = "<CompleteMultipartUpload>"
        for p in sorted {
            xml += "<Part><PartNumber>\(p.partNumber)</PartNumber><ETag>\"\(p.etag)\"</ETag>"
            if let c = p.checksumSHA256 { xml += "<ChecksumSHA256>\(c)</ChecksumSHA256>" }
            xml += "</Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/xml")]
        if ifNoneMatch { headers.append(("If-None-Match", "*")) }
        let expected = Self.multipartETag(partETags: sorted.map(\.etag))
        let call = Call(
            operation: "CompleteMultipartUpload", method: "POST", key: key, query: [("uploadId", uploadID)],
            headers: headers, body: .bytes(body), payloadHash: Digest.sha256Hex(body))
        do throws(SyncError) {
            let r = try execute(call, budget: budget)
            // S3 can answer 200 with an <Error> body for Complete.
            let text = r.bodyText
            if MiniXML.value("Error", in: text) != nil
                || (MiniXML.value("Code", in: text) != nil
                    && MiniXML.value("CompleteMultipartUploadResult", in: text) == nil)
            {
                throw SyncError.http(
                    operation: "CompleteMultipartUpload", key: key, status: r.status,
                    code: MiniXML.value("Code", in: text), message: MiniXML.value("Message", in: text), requestID: nil)
            }
            let etag = ETag.normalize(MiniXML.value("ETag", in: text))
            if !etag.isEmpty, etag != expected {
                throw SyncError.integrity("CompleteMultipartUpload \(key): ETag \(etag), expected \(expected)")
            }
            return expected
        } catch {
            // Retryable or budget-exhausted: the request may have reached the server. NoSuchUpload after a retry:
            // an earlier attempt probably completed it.
            var mayHaveCompleted = error.isRetryable || error.errorClass == .notFound
            if case .budgetExhausted = error { mayHaveCompleted = true }
            guard mayHaveCompleted else { throw error }
            if let info = try? headObject(key: key), info.etag == expected {
                logger.info("complete reported failure but the object is in place", metadata: ["s3.key": "\(key)"])
                return expected
            }
            throw error
        }
    }

    public func abortMultipartUpload(key: String, uploadID: String, budget: RetryBudget? = nil) throws(SyncError) {
        _ = try execute(
            Call(
                operation: "AbortMultipartUpload", method: "DELETE", key: key, query: [("uploadId", uploadID)],
                accept: [404]),
            budget: budget)
    }

    /// ListParts over all pages; `.notFound` error when the upload no longer exists.
    public func listParts(key: String, uploadID: String, budget: RetryBudget? = nil) throws(SyncError) -> [PartInfo] {
        var out: [PartInfo] = []
        var marker: String?
        repeat {
            var query: [(name: String, value: String)] = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", marker)) }
            let r = try execute(Call(operation: "ListParts", method: "GET", key: key, query: query), budget: budget)
            let xml = r.bodyText
            for p in MiniXML.elements("Part", in: xml) {
                guard let n = Int(MiniXML.value("PartNumber", in: p) ?? "") else { continue }
                out.append(
                    PartInfo(
                        partNumber: n, etag: ETag.normalize(MiniXML.value("ETag", in: p)),
                        size: Int64(MiniXML.value("Size", in: p) ?? "") ?? 0))
            }
            let truncated = MiniXML.value("IsTruncated", in: xml) == "true"
            marker = truncated ? MiniXML.value("NextPartNumberMarker", in: xml) : nil
        } while marker != nil
        return out
    }

    /// In-progress multipart uploads whose key starts with `prefix`.
    public func listMultipartUploads(prefix: String, budget: RetryBudget? = nil) throws(SyncError)
        -> [MultipartUploadInfo]
    {
        var out: [MultipartUploadInfo] = []
        var keyMarker: String?
        var idMarker: String?
        repeat {
            var query: [(name: String, value: String)] = [("uploads", ""), ("prefix", prefix)]
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let idMarker { query.append(("upload-id-marker", idMarker)) }
            let r = try execute(
                Call(operation: "ListMultipartUploads", method: "GET", key: "", query: query), budget: budget)
            let xml = r.bodyText
            for u in MiniXML.elements("Upload", in: xml) {
                guard let key = MiniXML.value("Key", in: u), let id = MiniXML.value("UploadId", in: u) else { continue }
                out.append(
                    MultipartUploadInfo(
                        key: key, uploadID: id, initiated: S3Time.parse(MiniXML.value("Initiated", in: u))))
            }
            let truncated = MiniXML.value("IsTruncated", in: xml) == "true"
            keyMarker = truncated ? MiniXML.value("NextKeyMarker", in: xml) : nil
            idMarker = truncated ? MiniXML.value("NextUploadIdMarker", in: xml) : nil
        } while keyMarker != nil
        return out
    }
}
