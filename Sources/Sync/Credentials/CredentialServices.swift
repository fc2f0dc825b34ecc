import Foundation

/// The network credential sources: STS `AssumeRoleWithWebIdentity` (IRSA and other OIDC setups) and EC2 instance
/// metadata (IMDSv2). Blocking; short timeouts; every message names the endpoint, never a token or key.
enum CredentialServices {
    /// One request with short timeouts (these services answer in milliseconds or not at all).
    static func send(
        _ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        source: String, endpoint: String, timeoutMs: Int
    ) throws(CredentialsError) -> HTTPResponse {
        var options = TransportOptions()
        options.connectTimeoutMs = timeoutMs
        options.smallRequestTimeoutMs = timeoutMs
        options.lowSpeedTimeSeconds = max(1, timeoutMs / 1000)
        do {
            let connection = try HTTPConnection(options: options)
            return try connection.perform(
                HTTPRequest(method: method, url: url, headers: headers, body: body.isEmpty ? .none : .bytes(body)))
        } catch {
            throw .service(
                source: source, endpoint: endpoint, message: "\(error.message) (curl error \(error.curlCode))")
        }
    }

    /// `2019-11-09T13:34:41Z`, with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    // MARK: STS AssumeRoleWithWebIdentity

    struct WebIdentity {
        var roleARN: String
        var tokenFile: String
        var sessionName: String
        /// `https://sts.<region>.amazonaws.com`, or `AWS_ENDPOINT_URL_STS` (a local fake in tests).
        var endpoint: String
    }

    /// Exchanges the token in `tokenFile` (read now: Kubernetes rotates it) for temporary credentials. The request
    /// is unsigned, as STS expects for this action.
    static func assumeRoleWithWebIdentity(_ w: WebIdentity) throws(CredentialsError) -> Credentials {
        let source = "STS AssumeRoleWithWebIdentity"
        let token: String
        do {
            token = try String(contentsOfFile: w.tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        } catch {
            throw .unreadable(path: w.tokenFile, reason: "web identity token file cannot be read")
        }
        guard !token.isEmpty else { throw .unreadable(path: w.tokenFile, reason: "web identity token file is empty") }
        let form: [(String, String)] = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", w.roleARN),
            ("RoleSessionName", w.sessionName), ("WebIdentityToken", token),
        ]
        let body = form.map { URIEncoding.encode($0.0) + "=" + URIEncoding.encode($0.1) }.joined(separator: "&")
        let endpoint = w.endpoint.hasSuffix("/") ? String(w.endpoint.dropLast()) : w.endpoint
        let response = try send(
            "POST", endpoint + "/",
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "application/xml"),
            ],
            body: Array(body.utf8), source: source, endpoint: endpoint, timeoutMs: 10_000)
        let text = response.bodyText
        guard response.status == 200 else {
            let code = MiniXML.value("Code", in: text) ?? "HTTP \(response.status)"
            let message = MiniXML.value("Message", in: text).map { ": \($0)" } ?? ""
            throw .service(source: source, endpoint: endpoint, message: "\(code)\(message) (role \(w.roleARN))")
        }
        guard let ak = MiniXML.value("AccessKeyId", in: text), let sk = MiniXML.value("SecretAccessKey", in: text),
            let st = MiniXML.value("SessionToken", in: text)
        else { throw .service(source: source, endpoint: endpoint, message: "the answer has no credentials") }
        let expiration = MiniXML.value("Expiration", in: text).flatMap(parseDate)
        return Credentials(accessKeyID: ak, secretAccessKey: sk, sessionToken: st, expiration: expiration)
    }

    // MARK: EC2 instance metadata (IMDSv2)

    /// A session token (PUT), the instance profile's role name, then its credentials.
    static func instanceMetadata(endpoint rawEndpoint: String) throws(CredentialsError) -> Credentials {
        let source = "EC2 instance metadata"
        let endpoint = rawEndpoint.hasSuffix("/") ? String(rawEndpoint.dropLast()) : rawEndpoint
        let tokenResponse = try send(
            "PUT", endpoint + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
            source: source, endpoint: endpoint, timeoutMs: 1_000)
        guard tokenResponse.status == 200, !tokenResponse.body.isEmpty else {
            throw .service(
                source: source, endpoint: endpoint, message: "no IMDSv2 token (HTTP \(tokenResponse.status))")
        }
        let auth = [("X-aws-ec2-metadata-token", tokenResponse.bodyText)]
        let base = endpoint + "/latest/meta-data/iam/security-credentials/"
        let roles = try send("GET", base, headers: auth, source: source, endpoint: endpoint, timeoutMs: 1_000)
        guard roles.status == 200,
            let role = roles.bodyText.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty
        else {
            throw .service(
                source: source, endpoint: endpoint, message: "no instance profile role (HTTP \(roles.status))")
        }
        let creds = try send(
            "GET", base + URIEncoding.encode(role), headers: auth, source: source, endpoint: endpoint, timeoutMs: 1_000)
        guard creds.status == 200 else {
            throw .service(source: source, endpoint: endpoint, message: "role \(role): HTTP \(creds.status)")
        }
        struct Answer: Decodable {
            var Code: String?
            var AccessKeyId: String?
            var SecretAccessKey: String?
            var Token: String?
            var Expiration: String?
        }
        guard let a = try? JSONDecoder().decode(Answer.self, from: Data(creds.body)) else {
            throw .service(source: source, endpoint: endpoint, message: "role \(role): the answer is not JSON")
        }
        guard a.Code == nil || a.Code == "Success", let ak = a.AccessKeyId, let sk = a.SecretAccessKey else {
            throw .service(source: source, endpoint: endpoint, message: "role \(role): \(a.Code ?? "no credentials")")
        }
        return Credentials(
            accessKeyID: ak, secretAccessKey: sk, sessionToken: a.Token, expiration: a.Expiration.flatMap(parseDate))
    }
}
