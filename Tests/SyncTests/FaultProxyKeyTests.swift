import FaultInjection
import Foundation
import Testing

@testable import Sync

/// The fault proxy's key check (credential rotation in the soak test): only the accepted access key passes, a
/// retired one is answered 403 `InvalidAccessKeyId` even on a connection kept alive from before the change.
@Suite struct FaultProxyKeyParsingTests {
    @Test func theAccessKeyOfASigV4HeadOrPresignedQuery() {
        let header = Array(
            "PUT /b/k HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAONE/20261204/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab\r\n\r\n"
                .utf8)
        #expect(FaultProxy.accessKey(inHead: header) == "AKIAONE")
        let query = Array(
            "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIATWO%2F20261204%2Fus-east-1%2Fs3%2Faws4_request HTTP/1.1\r\n\r\n"
                .utf8)
        #expect(FaultProxy.accessKey(inHead: query) == "AKIATWO")
        #expect(FaultProxy.accessKey(inHead: Array("GET / HTTP/1.1\r\n\r\n".utf8)) == nil)
    }
}

@Suite(.enabled(if: S3TestEnv.available, Comment(rawValue: S3TestEnv.skipMessage)))
struct FaultProxyKeyTests {
    let env: S3TestEnv
    init() throws { env = try S3TestEnv.required() }

    @Test func onlyTheAcceptedKeyPassesAndAChangeCutsKeptAliveConnections() throws {
        let proxy = try FaultProxy(upstreamPort: env.port)
        defer { proxy.stop() }
        let remote = env.remote("keycheck", endpoint: proxy.endpoint)
        let client = env.client(remote)
        proxy.requireAccessKey(env.accessKey)
        try client.putObject(key: remote.key("k"), bytes: [1, 2, 3])
        #expect(proxy.stats.keyRejections == 0)

        // The client's key is retired: its kept-alive connection is cut and every new one refused.
        proxy.requireAccessKey("AKIARETIREDELSEWHERE")
        let error = #expect(throws: SyncError.self) { try client.putObject(key: remote.key("k2"), bytes: [4]) }
        if case .http(_, _, let status, let code, _, _)? = error {
            #expect(status == 403 && code == "InvalidAccessKeyId")
        } else {
            Issue.record("expected a 403, got \(String(describing: error))")
        }
        #expect(proxy.stats.keyRejections >= 1)

        proxy.requireAccessKey(nil)
        #expect(try client.getObject(key: remote.key("k")) == [1, 2, 3])
        #expect(try client.headObject(key: remote.key("k2")) == nil, "a refused request reached the server")
    }
}
