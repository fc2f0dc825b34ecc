import Engine
import Entities
import Foundation
import Hashing
import Logging
import Store

/// Brings one path of a watched folder into the store: ingest, reject (with reason and line), mark pending,
/// or retract when it is gone. Idempotent: processing an unchanged file does nothing.
struct CorpusIngestor: Sendable {
    let store: Store
    let logger: Logger
    var parser = CorpusParser()

    enum Outcome: Equatable {
        case ingested(CorpusChange)
        case unchanged
        case rejected(CorpusParseError)
        case pending(String)
        case retracted(CorpusChange)
        case ignored
        /// Modified too recently to be known complete (a scan saw it; it is checked again after the settle time).
        case unsettled
    }

    /// - Parameters:
    ///   - path: an absolute path inside `root`.
    ///   - root: the watched folder it belongs to (symlinks may not lead outside it).
    ///   - settledBefore: for scans, which have no close event to go by: a file (or Moses partner) modified after
    ///     this moment may still be being written and is left `.unsettled` (a size+mtime settle).
    func process(path: String, root: String, workspace: WorkspaceRecord, settledBefore: Date? = nil) -> Outcome {
        do {
            return try processOrThrow(path: path, root: root, workspace: workspace, settledBefore: settledBefore)
        } catch {
            logger.error(
                "store error while processing a corpus file", metadata: ["file.path": "\(path)", "error": "\(error)"])
            return .ignored
        }
    }

    private func processOrThrow(path: String, root: String, workspace: WorkspaceRecord, settledBefore: Date? = nil)
        throws -> Outcome
    {
        let id = workspace.id
        var info = stat()
        var followed = stat()
        // Gone, or a symlink whose destination is gone (a dangling link reads nothing: as if deleted): retract it, or
        // everything below it if it was a directory.
        let present = lstat(path, &info) == 0
        let dangling = present && (info.st_mode & S_IFMT) == S_IFLNK && stat(path, &followed) != 0 && errno == ENOENT
        guard present, !dangling else {
            var total = CorpusChange()
            for file in try store.corpusFiles(workspaceID: id)
            where file.path == path || file.path.hasPrefix(path + "/") {
                let change = try store.retractFile(workspaceID: id, path: file.path)
                total.retracted += change.retracted
                if file.state == .pending { try store.forgetPendingFile(workspaceID: id, path: file.path) }
            }
            return .retracted(total)
        }
        guard
            let format = CorpusFileName.classify(
                path: path, sourceLanguage: workspace.spec.sourceLanguage, targetLanguage: workspace.spec.targetLanguage
            )
        else {
            if (info.st_mode & S_IFMT) == S_IFREG {
                logger.debug("ignored: not a corpus file name", metadata: ["file.path": "\(path)"])
            }
            return .ignored
        }
        let size = Int64(info.st_size)
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        if let settledBefore, Self.modifiedAfter(settledBefore, path) { return .unsettled }

        guard [S_IFLNK, S_IFREG].contains(info.st_mode & S_IFMT) else { return .ignored }
        if let refusal = Self.admit(path, root: root) {
            return try reject(path, workspace: id, size: size, mtime: mtime, hash: nil, format: format.name, refusal)
        }

        var partner: String?
        switch format {
        case .mosesTarget(let sourcePath):
            // A Moses pair is recorded under its source-side file; a lone target file waits for its partner.
            if access(sourcePath, F_OK) == 0 {
                return try processOrThrow(
                    path: sourcePath, root: root, workspace: workspace, settledBefore: settledBefore)
            }
            try store.markFilePending(
                workspaceID: id, path: path, size: size, mtimeNs: mtime,
                reason: "waiting for \((sourcePath as NSString).lastPathComponent)")
            return .pending(sourcePath)
        case .mosesSource(let targetPath):
            guard access(targetPath, F_OK) == 0 else {
                try store.markFilePending(
                    workspaceID: id, path: path, size: size, mtimeNs: mtime,
                    reason: "waiting for \((targetPath as NSString).lastPathComponent)")
                return .pending(targetPath)
            }
            if let settledBefore, Self.modifiedAfter(settledBefore, targetPath) { return .unsettled }
            try store.forgetPendingFile(workspaceID: id, path: targetPath)
            // Every file of a pair passes the same checks as the primary; a refusal names the partner only (never
            // its content or line count: it may be a file outside the folder).
            if let refusal = Self.admit(targetPath, root: root) {
                return try reject(
                    path, workspace: id, size: size, mtime: mtime, hash: nil, format: format.name,
                    CorpusParseError("partner \((targetPath as NSString).lastPathComponent): \(refusal.reason)"))
            }
            partner = targetPath
        case .tsv, .jsonLines, .tmx:
            break
        }

        // A file already known (ingested or rejected) is hashed first: unchanged content (a touched file, every
        // scan) costs one read and no parse. Otherwise one pass parses, hashes and stages the pairs in batches.
        if let existing = try store.corpusFile(workspaceID: id, path: path), existing.contentHash != nil,
            [.ingested, .rejected].contains(existing.state)
        {
            switch try pass(path: path, partner: partner, parsing: nil) {
            case .unreadable(let error):
                return try reject(path, workspace: id, size: size, mtime: mtime, hash: nil, format: format.name, error)
            case .read(let hash, _, _):
                if try isUnchanged(path, workspace: id, hash: hash, size: size, mtime: mtime) { return .unchanged }
            }
        }
        let staging = try store.beginPairStaging()
        let result: PassResult
        do {
            result = try pass(path: path, partner: partner, parsing: (format, workspace, staging))
        } catch {
            try? store.discard(staging)
            throw error
        }
        switch result {
        case .unreadable(let error):
            try store.discard(staging)
            return try reject(path, workspace: id, size: size, mtime: mtime, hash: nil, format: format.name, error)
        case .read(let hash, let pairs, let parseError):
            if let failure = parseError ?? (pairs == 0 ? CorpusParseError("no sentence pairs found") : nil) {
                try store.discard(staging)
                return try reject(
                    path, workspace: id, size: size, mtime: mtime, hash: hash, format: format.name, failure)
            }
            return .ingested(
                try store.ingestFile(
                    workspaceID: id, path: path, size: size, mtimeNs: mtime, contentHash: hash, format: format.name,
                    staged: staging))
        }
    }

    /// Pairs are staged in batches of this many (or fewer when they are long: `batchBytes`).
    static let batchPairs = 4096
    static let batchBytes = 4 << 20

    private enum PassResult {
        /// Read to the end: the content hash (both files' for a Moses pair), the number of pairs staged and the
        /// first problem that rejects the file.
        case read(hash: String, pairs: Int, parseError: CorpusParseError?)
        /// Not readable as a corpus file (gone, not a regular file, too large, corrupt gzip): no hash.
        case unreadable(CorpusParseError)
    }

    /// Reads a file (and its Moses partner) once, to the end, hashing every byte; with `parsing`, also parses it and
    /// stages its pairs. Memory is bounded whatever the file's size: one chunk, one line or unit, one batch.
    /// A parse error stops the parse but not the read, so the hash (and a later read error, which takes
    /// precedence as it did when files were read whole) is still known.
    private func pass(
        path: String, partner: String?,
        parsing: (format: CorpusFileName, workspace: WorkspaceRecord, staging: PairStaging)?
    ) throws -> PassResult {
        let primary: CorpusByteStream
        var partnerStream: CorpusByteStream?
        do { primary = try parser.open(path: path) } catch { return .unreadable(error) }
        if let partner {
            do { partnerStream = try parser.open(path: partner) } catch {
                return .unreadable(partnerError(partner, error))
            }
        }
        let primaryHash = StreamHash(primary)
        let partnerHash = partnerStream.map(StreamHash.init)

        var parseError: CorpusParseError?
        var staged = 0
        if let parsing {
            var batch: [IngestedPair] = []
            batch.reserveCapacity(Self.batchPairs)
            var batchBytes = 0
            let emit = { (pair: IngestedPair) throws in
                batch.append(pair)
                batchBytes += pair.source.utf8.count + pair.target.utf8.count
                if batch.count >= Self.batchPairs || batchBytes >= Self.batchBytes {
                    try store.stage(batch, in: parsing.staging)
                    staged += batch.count
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                }
            }
            do {
                try parse(parsing.format, primary, partnerStream, workspace: parsing.workspace, emit: emit)
                try store.stage(batch, in: parsing.staging)
                staged += batch.count
            } catch let error as CorpusParseError {
                parseError = error
            }
        }
        do { try primary.drain() } catch { return .unreadable(CorpusParseError(error)) }
        if let partner, let partnerStream {
            do { try partnerStream.drain() } catch {
                return .unreadable(partnerError(partner, CorpusParseError(error)))
            }
        }
        let hash =
            partnerHash.map { Digest.sha256Hex(primaryHash.digest() + $0.digest()) } ?? Digest.hex(primaryHash.digest())
        return .read(hash: hash, pairs: staged, parseError: parseError)
    }

    private func parse(
        _ format: CorpusFileName, _ primary: CorpusByteStream, _ partner: CorpusByteStream?, workspace: WorkspaceRecord,
        emit: (IngestedPair) throws -> Void
    ) throws {
        if format.format == .moses, partner == nil { throw CorpusParseError("the Moses partner file was not opened") }
        try parser.parse(
            format.format, primary, partner: partner, sourceLanguage: workspace.spec.sourceLanguage,
            targetLanguage: workspace.spec.targetLanguage, emit: emit)
    }

    /// A partner's read problem, naming the partner file only.
    private func partnerError(_ partner: String, _ error: CorpusParseError) -> CorpusParseError {
        CorpusParseError("\((partner as NSString).lastPathComponent): \(error.reason)", line: error.line)
    }

    /// Whether `path` may be read as a corpus file of the watched folder `root`: a regular file, or a symbolic link
    /// that resolves to a regular file inside `root` (not a FIFO, a device, a socket or a directory, and nothing
    /// outside the folder). Returns the refusal, naming only the path's kind (never anything read from it).
    static func admit(_ path: String, root: String) -> CorpusParseError? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return CorpusParseError("unreadable: \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realPath(path), let rootResolved = realPath(root),
                resolved.hasPrefix(rootResolved + "/")
            else {
                return CorpusParseError("symbolic link pointing outside the watched folder \(root)")
            }
            guard stat(resolved, &info) == 0 else {
                return CorpusParseError("unreadable: \(String(cString: strerror(errno)))")
            }
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return CorpusParseError("not a regular file (\(kind(info.st_mode)))")
        }
        return nil
    }

    /// Whether the file at `path` (followed) was modified after `moment` (an unreadable file is not: it is rejected).
    static func modifiedAfter(_ moment: Date, _ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9 > moment.timeIntervalSince1970
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        default: "not a regular file"
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Same content already ingested or rejected: nothing to do (size/mtime are refreshed for the next scan).
    private func isUnchanged(_ path: String, workspace: Int64, hash: String, size: Int64, mtime: Int64) throws -> Bool {
        guard let existing = try store.corpusFile(workspaceID: workspace, path: path), existing.contentHash == hash
        else {
            return false
        }
        switch existing.state {
        case .ingested:
            _ = try store.ingestFile(
                workspaceID: workspace, path: path, size: size, mtimeNs: mtime, contentHash: hash,
                format: existing.format ?? "", pairs: [])
            return true
        case .rejected:
            try store.rejectFile(
                workspaceID: workspace, path: path, size: size, mtimeNs: mtime, contentHash: hash,
                format: existing.format, error: existing.error ?? "rejected", line: existing.errorLine)
            return true
        default:
            return false
        }
    }

    private func reject(
        _ path: String, workspace: Int64, size: Int64, mtime: Int64, hash: String?, format: String,
        _ error: CorpusParseError
    ) throws -> Outcome {
        logger.warning(
            "corpus file rejected",
            metadata: [
                "file.path": "\(path)", "file.line": "\(error.line.map(String.init) ?? "-")",
                "reason": "\(error.reason)",
            ])
        try store.rejectFile(
            workspaceID: workspace, path: path, size: size, mtimeNs: mtime, contentHash: hash,
            format: format, error: error.reason, line: error.line)
        return .rejected(error)
    }
}

/// SHA-256 of everything a stream hands out.
private final class StreamHash {
    private var hasher: SHA256Hasher? = SHA256Hasher()

    init(_ stream: CorpusByteStream) {
        stream.observer = { [unowned self] chunk in self.hasher?.update(chunk) }
    }

    func digest() -> [UInt8] { hasher.take()?.finalize() ?? [] }
}
