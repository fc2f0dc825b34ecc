import Foundation
import Testing

@testable import Sync

/// Examples from the AWS S3 documentation "Signature Calculations for the Authorization Header: Transferring
/// Payload in a Single Chunk" (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, us-east-1, bucket examplebucket).
/// The canonical requests, strings to sign and signatures below are the documented ones (also cross-checked with
/// botocore's S3SigV4Auth).
struct SigV4Vector {
    var name: String
    var request: SignableRequest
    var canonicalRequest: String
    var stringToSign: String
    var signature: String
}

enum AWSDocVectors {
    static let credentials = Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let date = "20130524T000000Z"
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let host = "examplebucket.s3.amazonaws.com"

    static let all: [SigV4Vector] = [
        SigV4Vector(
            name: "GET object with Range",
            request: SignableRequest(
                method: "GET", encodedPath: "/test.txt",
                headers: [
                    ("Host", host), ("Range", "bytes=0-9"), ("x-amz-content-sha256", empty), ("x-amz-date", date),
                ],
                payloadHash: empty),
            canonicalRequest: """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """,
            stringToSign: """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """,
            signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        SigV4Vector(
            name: "PUT object (key test$file.text, signed payload)",
            request: SignableRequest(
                method: "PUT", encodedPath: "/" + URIEncoding.encodePath("test$file.text"),
                headers: [
                    ("Host", host), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                    ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
                    ("x-amz-date", date), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ],
                payloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            canonicalRequest: """
                PUT
                /test%24file.text

                date:Fri, 24 May 2013 00:00:00 GMT
                host:examplebucket.s3.amazonaws.com
                x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
                x-amz-date:20130524T000000Z
                x-amz-storage-class:REDUCED_REDUNDANCY

                date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class
                44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
                """,
            stringToSign: """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d
                """,
            signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        SigV4Vector(
            name: "GET bucket lifecycle (valueless query parameter)",
            request: SignableRequest(
                method: "GET", encodedPath: "/", query: [("lifecycle", "")],
                headers: [("Host", host), ("x-amz-content-sha256", empty), ("x-amz-date", date)], payloadHash: empty),
            canonicalRequest: """
                GET
                /
                lifecycle=
                host:examplebucket.s3.amazonaws.com
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """,
            stringToSign: """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca
                """,
            signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        SigV4Vector(
            name: "GET bucket list (query given unsorted)",
            request: SignableRequest(
                method: "GET", encodedPath: "/", query: [("prefix", "J"), ("max-keys", "2")],
                headers: [("Host", host), ("x-amz-content-sha256", empty), ("x-amz-date", date)], payloadHash: empty),
            canonicalRequest: """
                GET
                /
                max-keys=2&prefix=J
                host:examplebucket.s3.amazonaws.com
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """,
            stringToSign: """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7
                """,
            signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ]
}

@Suite struct SigV4VectorTests {
    @Test(arguments: AWSDocVectors.all.indices)
    func awsDocumentedVector(_ i: Int) {
        let v = AWSDocVectors.all[i]
        let signer = SigV4Signer(credentials: AWSDocVectors.credentials, region: "us-east-1")
        let result = signer.sign(v.request, amzDate: AWSDocVectors.date)
        #expect(result.canonicalRequest == v.canonicalRequest, "\(v.name)")
        #expect(result.stringToSign == v.stringToSign, "\(v.name)")
        #expect(result.signature == v.signature, "\(v.name)")
        #expect(
            result.authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders="))
        #expect(!result.authorization.contains(AWSDocVectors.credentials.secretAccessKey))
    }

    @Test func wrongSecretChangesSignature() {
        let v = AWSDocVectors.all[0]
        var creds = AWSDocVectors.credentials
        creds.secretAccessKey += "x"
        let sig = SigV4Signer(credentials: creds, region: "us-east-1").sign(v.request, amzDate: AWSDocVectors.date)
        #expect(sig.signature != v.signature)
    }

    @Test func uriEncoding() {
        #expect(URIEncoding.encode("a b+c/ü=&~") == "a%20b%2Bc%2F%C3%BC%3D%26~")
        #expect(URIEncoding.encodePath("ckpt/00 1/ü+x") == "ckpt/00%201/%C3%BC%2Bx")
        #expect(URIEncoding.canonicalQuery([("uploads", "")]) == "uploads=")
        #expect(
            URIEncoding.canonicalQuery([("uploadId", "a/b"), ("partNumber", "3")]) == "partNumber=3&uploadId=a%2Fb")
    }

    @Test func headerValuesAreTrimmedAndCollapsed() {
        let signer = SigV4Signer(credentials: AWSDocVectors.credentials, region: "us-east-1")
        let r = SignableRequest(
            method: "GET", encodedPath: "/k", headers: [("Host", "h"), ("X-Amz-Meta-A", "  x   y  ")], payloadHash: "p")
        #expect(signer.canonicalRequest(r).request.contains("x-amz-meta-a:x y\n"))
    }

    @Test func amzDateIsUTC() {
        #expect(AMZDate.string(Date(timeIntervalSince1970: 1_369_353_600)) == "20130524T000000Z")
    }

    @Test func credentialsNeverPrintTheSecret() {
        let c = Credentials(accessKeyID: "AK", secretAccessKey: "TOPSECRET", sessionToken: "TOKEN")
        #expect(!"\(c)".contains("TOPSECRET"))
        #expect(!String(reflecting: c).contains("TOKEN"))
    }
}
