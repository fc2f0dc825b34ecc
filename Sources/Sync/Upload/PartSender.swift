import Entities
import Foundation
import Logging
import Synchronization
import Systems

/// Sends the parts of one multipart upload concurrently: at most `concurrency` UploadPart transfers run as easy
/// handles of one `CurlMulti`, driven by the calling thread (`curl_multi_perform` + `curl_multi_poll`).
///
/// Memory: libcurl reads each part from the file through the read callback (`pread`, 512 KiB upload buffer per
/// transfer), so a send holds about `concurrency × 512 KiB` of part data whatever the part size; nothing loads a
/// whole part or file. Each part's digest (Content-MD5 + SHA-256, or SHA-256) must be known before its request is
/// signed, so hashing threads read each part once ahead of its transfer, at most `concurrency` parts ahead.
/// Retries follow `RetryPolicy` per part (the multi loop waits out the backoff while other parts keep going).
/// Cancellation: no part starts after `cancel` is set; parts on the wire are aborted by the progress callback or, at
/// the latest, at the next turn of the poll loop (≤ 250 ms).
final class PartSender {
    struct Part: Sendable {
        var number: Int
        /// Offset in the file (not in the object).
        var offset: Int64
        var length: Int64
    }

    let client: S3Client
    let file: OpenFile
    let key: String
    let uploadID: String
    let integrity: PartIntegrity
    let concurrency: Int
    let budget: RetryBudget?
    let cancel: CancellationFlag?
    /// Bytes sent so far by the current attempt of a part (tests interrupt a transfer with it).
    let partProgress: (@Sendable (_ part: Int, _ sent: Int64) -> Void)?
    /// Advanced byte by byte while parts are on the wire (one `SyncProgress` transfer per part).
    let progress: SyncProgress?

    init(
        client: S3Client, file: OpenFile, key: String, uploadID: String, integrity: PartIntegrity, concurrency: Int,
        budget: RetryBudget?, cancel: CancellationFlag?, partProgress: (@Sendable (Int, Int64) -> Void)?,
        progress: SyncProgress?
    ) {
        self.client = client
        self.file = file
        self.key = key
        self.uploadID = uploadID
        self.integrity = integrity
        self.concurrency = max(1, concurrency)
        self.budget = budget
        self.cancel = cancel
        self.partProgress = partProgress
        self.progress = progress
    }

    private struct Attempt {
        var part: Part
        var digest: PartDigest
        var attempt: Int
        var call: S3Client.Call
    }

    /// Sends `parts`; `finished` runs on this thread after each part is accepted (the journal write). Stops at the
    /// first error that is not retried, or at cancellation, and throws it.
    func send(_ parts: [Part], finished: (PartInfo, Part) throws(SyncError) -> Void) throws(SyncError) {
        if parts.isEmpty { return }
        let multi: CurlMulti
        do { multi = try CurlMulti() } catch {
            throw .transport(operation: "UploadPart", key: key, curlCode: error.curlCode, message: error.message)
        }
        let hashing = PartHashing(
            parts: parts, integrity: integrity, file: file, ahead: concurrency,
            wake: { multi.wakeup() })
        defer {
            multi.abortAll()
            hashing.stop()
        }

        var idle: [HTTPConnection] = []
        var inFlight: [Int: Attempt] = [:]
        var retries: [(at: Date, attempt: Attempt)] = []
        var done = 0
        var firstError: SyncError?
        /// `SyncProgress` transfer of each part started and not finished.
        var transfers: [Int: Int] = [:]
        defer {
            for c in idle { client.checkin(c) }
            for id in transfers.values { progress?.endTransfer(id, uploaded: nil) }
        }

        func start(_ attempt: Attempt) throws(SyncError) {
            var a = attempt
            let c: HTTPConnection
            if let reused = idle.popLast() { c = reused } else { c = try client.checkout() }
            let n = a.part.number
            var sent: (@Sendable (Int64) -> Void)? = nil
            if let progress {
                let id = transfers[n] ?? progress.beginTransfer()
                transfers[n] = id
                progress.transferSent(id, 0) // a retry starts from zero: the failed attempt's bytes stop counting
                let hook = partProgress
                sent = { bytes in
                    hook?(n, bytes)
                    progress.transferSent(id, bytes)
                }
            } else if let hook = partProgress {
                sent = { bytes in hook(n, bytes) }
            }
            let request = try client.signedRequest(&a.call, cancel: cancel, progress: sent)
            do { try multi.start(request, on: c, tag: n) } catch {
                throw client.failure(a.call, error)
            }
            inFlight[n] = a
        }

        while done < parts.count {
            if firstError == nil { if let e = hashing.error { firstError = e } }
            if firstError != nil || cancel?.isCancelled == true {
                // Stop now: transfers on the wire are removed (their parts are not journaled; finished ones are).
                if firstError == nil {
                    for a in inFlight.values { client.record(a.call, attempt: a.attempt, .failure(.cancelled)) }
                }
                multi.abortAll()
                inFlight = [:]
                break
            } else {
                // Due retries first, then freshly hashed parts.
                while inFlight.count < concurrency {
                    let now = Date()
                    var next: Attempt?
                    if let i = retries.firstIndex(where: { $0.at <= now }) {
                        next = retries.remove(at: i).attempt
                    } else if let ready = hashing.next() {
                        let (part, digest) = ready
                        let body = RequestBody.file(fd: file.fd, offset: part.offset, length: part.length)
                        next = Attempt(
                            part: part, digest: digest, attempt: 1,
                            call: client.uploadPartCall(
                                key: key, uploadID: uploadID, partNumber: part.number, body: body, digest: digest))
                    }
                    guard let a = next else { break }
                    do { try start(a) } catch {
                        firstError = error
                        break
                    }
                }
                if firstError != nil { continue }
            }
            var wait = 250.0
            if let soonest = retries.map(\.at).min() { wait = min(wait, max(0, soonest.timeIntervalSinceNow * 1000)) }
            let stepped = multi.step(timeoutMs: Int(wait.rounded(.up)))
            guard case .success(let results) = stepped else {
                if case .failure(let f) = stepped, firstError == nil {
                    firstError = .transport(operation: "UploadPart", key: key, curlCode: f.curlCode, message: f.message)
                }
                continue
            }
            for (n, transport, connection) in results {
                guard let a = inFlight.removeValue(forKey: n) else { continue }
                let result: Result<HTTPResponse, SyncError>
                switch transport {
                case .success(let r):
                    idle.append(connection)
                    result = client.outcome(a.call, r)
                case .failure(let f):
                    result = .failure(client.failure(a.call, f)) // the connection is dropped
                }
                client.record(a.call, attempt: a.attempt, result)
                do throws(SyncError) {
                    let response = try result.get()
                    let info = try client.checkedPart(
                        response, key: key, partNumber: n, size: a.part.length, digest: a.digest)
                    try finished(info, a.part)
                    if let id = transfers.removeValue(forKey: n) { progress?.endTransfer(id, uploaded: a.part.length) }
                    done += 1
                } catch {
                    if firstError != nil || error == .cancelled || cancel?.isCancelled == true {
                        if firstError == nil, error != .cancelled { firstError = error }
                        continue
                    }
                    do throws(SyncError) {
                        let delay = try client.delayBeforeRetry(
                            a.call, attempt: a.attempt, after: error, budget: budget)
                        var again = a
                        again.attempt += 1
                        if let id = transfers[n] { progress?.transferSent(id, 0) }
                        retries.append((Date().addingTimeInterval(delay), again))
                    } catch {
                        firstError = error
                    }
                }
            }
        }
        if let firstError { throw firstError }
        if done < parts.count { throw .cancelled }
    }
}

/// Hashes parts on background threads, in order, at most `ahead` parts ahead of the sender.
final class PartHashing: @unchecked Sendable {
    private let queue: Locked<[PartSender.Part]>
    private let ready = Locked<[(PartSender.Part, PartDigest)]>([])
    private let failure = Locked<SyncError?>(nil)
    /// Guards `freeSlots` and `stopped`: a part may be hashed only while a slot is free.
    private let condition = NSCondition()
    private var freeSlots: Int
    private var stopped = false
    private let group = DispatchGroup()

    init(
        parts: [PartSender.Part], integrity: PartIntegrity, file: OpenFile, ahead: Int,
        wake: @escaping @Sendable () -> Void
    ) {
        queue = Locked(parts.reversed())
        freeSlots = max(1, ahead)
        // One hashing thread per core is enough (2 cores here); more would only compete with libcurl.
        let workers = max(1, min(parts.count, ahead, ProcessInfo.processInfo.activeProcessorCount))
        for i in 0..<workers {
            group.enter()
            let t = Thread { [self] in
                defer { group.leave() }
                while takeSlot(), let part = queue.withLock({ $0.popLast() }) {
                    do throws(SyncError) {
                        let d = try PartDigest.compute(integrity, file: file, offset: part.offset, length: part.length)
                        ready.withLock { list in
                            list.append((part, d))
                            list.sort { $0.0.number < $1.0.number }
                        }
                    } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                    }
                    wake()
                }
            }
            t.name = "transtok.sync.hash-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
    }

    var error: SyncError? { failure.value }

    /// Waits for a free slot; false once stopped.
    private func takeSlot() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while freeSlots == 0 && !stopped { condition.wait() }
        if stopped { return false }
        freeSlots -= 1
        return true
    }

    /// The next hashed part, if one is ready (frees its slot).
    func next() -> (PartSender.Part, PartDigest)? {
        guard let item = ready.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return nil }
        condition.lock()
        freeSlots += 1
        condition.signal()
        condition.unlock()
        return item
    }

    /// Stops the threads and waits for them.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        group.wait()
    }
}
