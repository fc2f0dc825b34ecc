import Foundation
import Hashing
import Logging
import Synchronization

/// A blocking S3 client: our SigV4 signer, libcurl transport, pooled keep-alive connections, classified retries.
/// Every method blocks the calling thread; call them from dedicated threads (see `Blocking.run`), never from the
/// Swift cooperative pool.
public final class S3Client: Sendable {
    public let config: RemoteConfig
    public let retry: RetryPolicy
    /// Where signing keys come from; read again per job (`refreshCredentials`) and after an auth failure.
    public let credentials: CredentialsProvider
    let options: TransportOptions
    let logger: Logger
    private let pool = Mutex<[HTTPConnection]>([])
    private let created = Atomic<Int>(0)
    /// libcurl handles opened so far (each keeps its keep-alive connection between requests).
    public var connectionsCreated: Int { created.load(ordering: .relaxed) }
    private let observer: (@Sendable (RequestEvent) -> Void)?
    /// Offset added to the local clock when signing (tests of clock skew; 0 otherwise).
    let clockSkew: TimeInterval

    public convenience init(
        config: RemoteConfig, credentials: Credentials, retry: RetryPolicy = RetryPolicy(),
        options: TransportOptions = TransportOptions(), logger: Logger = Logger(label: "transtok.sync"),
        clockSkew: TimeInterval = 0, observer: (@Sendable (RequestEvent) -> Void)? = nil
    ) {
        self.init(
            config: config, credentialsProvider: CredentialsProvider(fixed: credentials), retry: retry,
            options: options,
            logger: logger, clockSkew: clockSkew, observer: observer)
    }

    public init(
        config: RemoteConfig, credentialsProvider: CredentialsProvider, retry: RetryPolicy = RetryPolicy(),
        options: TransportOptions = TransportOptions(), logger: Logger = Logger(label: "transtok.sync"),
        clockSkew: TimeInterval = 0, observer: (@Sendable (RequestEvent) -> Void)? = nil
    ) {
        self.config = config
        self.retry = retry
        var opts = options
        if opts.unixSocketPath == nil { opts.unixSocketPath = config.unixSocketPath }
        if opts.caBundlePath == nil { opts.caBundlePath = config.caBundlePath }
        self.options = opts
        self.credentials = credentialsProvider
        self.logger = logger
        self.clockSkew = clockSkew
        self.observer = observer
    }

    /// Reads the credentials again before the next request (rotated files, a new `credential_process` answer).
    public func refreshCredentials() { credentials.refresh() }

    // MARK: connections

    func checkout() throws(SyncError) -> HTTPConnection {
        if let c = pool.withLock({ $0.popLast() }) { return c }
        created.add(1, ordering: .relaxed)
        do { return try HTTPConnection(options: options) } catch {
            throw .transport(operation: "connect", key: "", curlCode: error.curlCode, message: error.message)
        }
    }

    func checkin(_ c: HTTPConnection) {
        pool.withLock { if $0.count < 16 { $0.append(c) } }
    }

    // MARK: one request, retried

    struct Call {
        var operation: String
        var method: String
        var key: String
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body: RequestBody = .none
        var payloadHash: String = SigV4Signer.emptyPayloadHash
        var sink: ResponseSink = .memory
        var partNumber: Int?
        /// Statuses that are answers, not errors (e.g. 404 for HEAD).
        var accept: Set<Int> = []
        /// The credentials the last attempt was signed with (to tell whether re-reading them changed anything).
        var signedWith: Credentials?
    }

    /// Sends `call`, retrying retryable failures with backoff while attempts and `budget` last.
    func execute(
        _ call: Call, budget: RetryBudget? = nil, cancel: CancellationFlag? = nil,
        progress: (@Sendable (Int64) -> Void)? = nil
    ) throws(SyncError) -> HTTPResponse {
        var attempt = 0
        var call = call
        while true {
            attempt += 1
            if cancel?.isCancelled == true { throw .cancelled }
            let result: Result<HTTPResponse, SyncError> = attemptOnce(&call, cancel: cancel, progress: progress)
            record(call, attempt: attempt, result)
            switch result {
            case .success(let r): return r
            case .failure(let e):
                Thread.sleep(forTimeInterval: try delayBeforeRetry(call, attempt: attempt, after: e, budget: budget))
            }
        }
    }

    /// Tells the observer about one attempt.
    func record(_ call: Call, attempt: Int, _ result: Result<HTTPResponse, SyncError>) {
        guard let observer else { return }
        switch result {
        case .success(let r):
            observer(
                RequestEvent(
                    operation: call.operation, key: call.key, partNumber: call.partNumber,
                    status: r.status, bytesSent: call.body.length, attempt: attempt, error: nil))
        case .failure(let e):
            var bytesSent = call.body.length
            if case .transport = e { bytesSent = 0 }
            observer(
                RequestEvent(
                    operation: call.operation, key: call.key, partNumber: call.partNumber,
                    status: nil, bytesSent: bytesSent, attempt: attempt, error: e))
        }
    }

    /// The backoff before retrying `call` after attempt number `attempt` failed with `error`; throws when the error
    /// is not retryable or the attempts or the budget are used up.
    func delayBeforeRetry(_ call: Call, attempt: Int, after e: SyncError, budget: RetryBudget?) throws(SyncError)
        -> Double
    {
        if e.isCredentialRejection, attempt < retry.maxAttempts, let used = call.signedWith,
            credentials.renew(after: used)
        {
            logger.info(
                "credentials rejected; retrying with credentials read again",
                metadata: [
                    "s3.op": "\(call.operation)", "s3.key": "\(call.key)", "s3.error": "\(e)",
                ])
            return 0
        }
        guard e.isRetryable, attempt < retry.maxAttempts else { throw e }
        if let budget, !budget.take() { throw .budgetExhausted(last: e) }
        let wait = retry.delay(beforeRetry: attempt)
        logger.debug(
            "retrying",
            metadata: [
                "s3.op": "\(call.operation)", "s3.key": "\(call.key)", "s3.attempt": "\(attempt)",
                "s3.error": "\(e)", "s3.wait_s": "\(String(format: "%.2f", wait))",
            ])
        return wait
    }

    private func attemptOnce(
        _ call: inout Call, cancel: CancellationFlag?, progress: (@Sendable (Int64) -> Void)?
    ) -> Result<HTTPResponse, SyncError> {
        let request: HTTPRequest
        do { request = try signedRequest(&call, cancel: cancel, progress: progress) } catch { return .failure(error) }
        let connection: HTTPConnection
        do { connection = try checkout() } catch { return .failure(error) }
        let response: HTTPResponse
        do { response = try connection.perform(request) } catch {
            // A failed transfer may leave the connection in any state; drop it.
            return .failure(failure(call, error))
        }
        checkin(connection)
        return outcome(call, response)
    }

    /// The request for one attempt of `call`, signed now with the current credentials (recorded in
    /// `call.signedWith`); its progress callback aborts once `cancel` is set.
    func signedRequest(
        _ call: inout Call, cancel: CancellationFlag?, progress: (@Sendable (Int64) -> Void)?
    ) throws(SyncError) -> HTTPRequest {
        let keys: Credentials
        do { keys = try credentials.current() } catch { throw .credentials(error) }
        call.signedWith = keys
        let signer = SigV4Signer(credentials: keys, region: config.region)
        let loc = config.location(forKey: call.key)
        let amzDate = AMZDate.string(Date().addingTimeInterval(clockSkew))
        var headers = call.headers
        headers.append(("host", loc.host))
        headers.append(("x-amz-date", amzDate))
        headers.append(("x-amz-content-sha256", call.payloadHash))
        if let token = keys.sessionToken { headers.append(("x-amz-security-token", token)) }
        let signable = SignableRequest(
            method: call.method, encodedPath: loc.encodedPath, query: call.query, headers: headers,
            payloadHash: call.payloadHash)
        let sig = signer.sign(signable, amzDate: amzDate)
        headers.append(("Authorization", sig.authorization))
        var url = loc.url
        if !call.query.isEmpty { url += "?" + URIEncoding.canonicalQuery(call.query) }
        return HTTPRequest(
            method: call.method, url: url, headers: headers, body: call.body, sink: call.sink,
            progress: { sent, _ in
                progress?(sent)
                return cancel?.isCancelled != true
            })
    }

    /// A transport failure of `call` as a `SyncError` (`.cancelled` when our progress callback stopped it).
    func failure(_ call: Call, _ error: TransportFailure) -> SyncError {
        if error.abortedByCaller { return .cancelled }
        return .transport(operation: call.operation, key: call.key, curlCode: error.curlCode, message: error.message)
    }

    /// A complete response: success for 2xx and accepted statuses, otherwise the S3 error it carries.
    func outcome(_ call: Call, _ response: HTTPResponse) -> Result<HTTPResponse, SyncError> {
        if (200..<300).contains(response.status) || call.accept.contains(response.status) {
            return .success(response)
        }
        let text = response.bodyText
        return .failure(
            .http(
                operation: call.operation, key: call.key, status: response.status,
                code: MiniXML.value("Code", in: text), message: MiniXML.value("Message", in: text),
                requestID: MiniXML.value("RequestId", in: text) ?? response.headers["x-amz-request-id"]))
    }
}
