import ControlAPI
import Engine
import Foundation

/// The soak's invariants, each read independently of the daemon's own counts where it can be: the store through
/// `sqlite3` (read-only), checkpoints from disk, the remote by listing the bucket directly.
final class SoakInvariants {
    let stateDir: String
    let workspace: String
    let folder: String
    let s3: SoakS3
    let remotePrefix: String
    private var tokenizer: (path: String, sha256: String)?
    /// Verified file digests by device, inode, size and modification time (base weights are hard-linked into every
    /// checkpoint: hash them once).
    private var digests: [String: String] = [:]
    /// Remote manifests already fetched: key → the blobs (key, size) they name.
    private var manifests: [String: [(String, Int64)]] = [:]

    init(stateDir: String, workspace: String, folder: String, s3: SoakS3, remotePrefix: String) {
        self.stateDir = stateDir
        self.workspace = workspace
        self.folder = folder
        self.s3 = s3
        self.remotePrefix = remotePrefix
    }

    // MARK: the store

    struct Row: Decodable {
        var source: String
        var target: String
        var retracted: Int
    }
    struct FileRow: Decodable {
        var path: String
        var state: String
        var lines: Int
    }

    private func query<T: Decodable>(_ sql: String, as: T.Type) throws -> [T] {
        let result = try SoakShell.run(
            "/usr/bin/sqlite3", ["-readonly", "-json", stateDir + "/transtok.sqlite", sql], timeout: 60)
        guard result.status == 0 else { throw SoakError("sqlite3: \(result.stderr)") }
        if result.stdout.allSatisfy({ $0 == 10 || $0 == 32 }) { return [] }
        return try JSONDecoder().decode([T].self, from: result.stdout)
    }

    /// Every pair of the files present is stored once and not retracted, nothing else is live, and nothing stored
    /// (even retracted) comes from a malformed, truncated or outside file. Each file is applied whole.
    /// `lasting`: problems no later catching-up can cure (a stored pair that was never valid).
    func pairs(_ corpus: SoakCorpus) throws -> (pending: [String], lasting: [String]) {
        let ws = "(SELECT id FROM workspace WHERE name = '\(workspace)')"
        let rows = try query(
            "SELECT source, target, retracted FROM sentence_pair WHERE workspace_id = \(ws)", as: Row.self)
        var live: [SoakPair: Int] = [:]
        var problems: [String] = [], lasting: [String] = []
        var foreign = 0
        for row in rows {
            let pair = SoakPair(source: row.source, target: row.target)
            if row.retracted == 0 { live[pair, default: 0] += 1 }
            if !corpus.everValid.contains(pair) {
                foreign += 1
                if foreign <= 3 {
                    lasting.append(
                        "stored pair never written in a complete valid file: \(row.source.prefix(60)) | \(row.target.prefix(60))"
                    )
                }
            }
        }
        let expected = corpus.expected
        let missing = expected.filter { live[$0] == nil }
        let extra = live.keys.filter { !expected.contains($0) }
        let doubled = live.filter { $0.value > 1 }
        if !missing.isEmpty {
            problems.append(
                "\(missing.count) of \(expected.count) expected pairs not live (e.g. \(missing.first!.source.prefix(50)))"
            )
        }
        if !extra.isEmpty {
            problems.append(
                "\(extra.count) live pairs not in any present file (e.g. \(extra.first!.source.prefix(50)))")
        }
        if !doubled.isEmpty { problems.append("\(doubled.count) pairs stored more than once") }
        if foreign > 3 { lasting.append("… \(foreign) stored pairs in all never written in a complete valid file") }

        let files = try query(
            """
            SELECT f.path AS path, f.state AS state, (SELECT COUNT(*) FROM pair_provenance p WHERE p.file_id = f.id) AS lines
            FROM corpus_file f WHERE f.workspace_id = \(ws)
            """, as: FileRow.self)
        var byName: [String: FileRow] = [:]
        for file in files where (file.path as NSString).deletingLastPathComponent == folder {
            byName[(file.path as NSString).lastPathComponent] = file
        }
        for (name, entry) in corpus.files {
            let row = byName[name]
            switch entry.kind {
            case .tsv, .gzip, .halfWritten:
                if row?.state != "ingested" {
                    problems.append("\(name): valid file is \(row?.state ?? "unknown to the daemon")")
                } else if row?.lines != entry.pairs.count {
                    problems.append("\(name): \(row?.lines ?? 0) lines applied of \(entry.pairs.count)")
                }
            case .malformed, .symlinkOutside:
                if let row, row.state == "ingested" || row.lines > 0 {
                    problems.append("\(name) (\(entry.kind.rawValue)): \(row.state) with \(row.lines) lines applied")
                }
            case .symlinkInside:
                if let row, row.state == "ingested", let target = entry.target, let pointed = corpus.files[target],
                    row.lines != pointed.pairs.count
                {
                    problems.append("\(name): symlink ingested with \(row.lines) lines of \(pointed.pairs.count)")
                }
            }
        }
        for (name, row) in byName where corpus.files[name] == nil && (row.state == "ingested" || row.lines > 0) {
            problems.append("\(name): deleted but still \(row.state) with \(row.lines) lines")
        }
        return (problems, lasting)
    }

    /// The daemon's own pair count agrees (a second, weaker check).
    func statusAgrees(_ status: StatusResponse, _ corpus: SoakCorpus) -> [String] {
        guard let ws = status.workspaces.first(where: { $0.name == workspace }) else {
            return ["status lists no workspace \(workspace)"]
        }
        let expected = corpus.expected.count
        return ws.counts.pairs == expected
            ? [] : ["status reports \(ws.counts.pairs) pairs, the folder holds \(expected)"]
    }

    // MARK: the tokenizer

    func tokenizerUnchanged(_ status: StatusResponse) throws -> [String] {
        guard let path = status.workspaces.first(where: { $0.name == workspace })?.targetTokenizer else {
            return tokenizer == nil ? [] : ["the workspace lost its target tokenizer"]
        }
        let sha = try digest(path)
        guard let known = tokenizer else {
            tokenizer = (path, sha)
            return []
        }
        var problems: [String] = []
        if known.path != path { problems.append("target tokenizer changed from \(known.path) to \(path)") }
        if known.sha256 != sha { problems.append("target tokenizer file \(path) changed") }
        return problems
    }

    var tokenizerPath: String? { tokenizer?.path }

    // MARK: local checkpoints

    struct LocalManifest: Decodable {
        struct File: Decodable {
            var path: String
            var size: Int64
            var sha256: String
        }
        var files: [File]
    }

    private func digest(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SoakError("\(path): \(String(cString: strerror(errno)))") }
        let key = "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        if let known = digests[key] { return known }
        let result = try SoakShell.check("/usr/bin/sha256sum", [path])
        let hex = String(result.text.prefix(64))
        digests[key] = hex
        return hex
    }

    /// Every numbered checkpoint directory: a manifest naming files that exist with their sizes and SHA-256, and
    /// the files the layout requires (config, tokenizer, token mapping, weights or an index whose shards exist).
    func checkpoints() throws -> (count: Int, newest: String?, problems: [String]) {
        let parent = stateDir + "/checkpoints/" + workspace
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { Int($0) != nil }
            .sorted()
        var problems: [String] = []
        for name in names {
            let dir = parent + "/" + name
            guard let data = FileManager.default.contents(atPath: dir + "/" + CheckpointLayout.manifest),
                let manifest = try? JSONDecoder().decode(LocalManifest.self, from: data)
            else {
                // Retention may have renamed it away between the listing and the read.
                if FileManager.default.fileExists(atPath: dir) {
                    problems.append("checkpoint \(name): no readable manifest")
                }
                continue
            }
            let listed = Set(manifest.files.map(\.path))
            for file in manifest.files {
                let path = dir + "/" + file.path
                var info = stat()
                guard stat(path, &info) == 0 else {
                    if FileManager.default.fileExists(atPath: dir) {
                        problems.append("checkpoint \(name): \(file.path) missing")
                    }
                    break
                }
                if Int64(info.st_size) != file.size {
                    problems.append(
                        "checkpoint \(name): \(file.path) is \(info.st_size) bytes, manifest says \(file.size)")
                    continue
                }
                if try digest(path) != file.sha256 {
                    problems.append("checkpoint \(name): \(file.path) SHA-256 differs from the manifest")
                }
            }
            for required in [CheckpointLayout.config, CheckpointLayout.tokenizer, CheckpointLayout.tokenMapping]
            where !listed.contains(required) {
                problems.append("checkpoint \(name): \(required) missing from the manifest")
            }
            if listed.contains(CheckpointLayout.weightIndex) {
                struct Index: Decodable { var weight_map: [String: String] }
                if let index = try? JSONDecoder().decode(
                    Index.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/" + CheckpointLayout.weightIndex)))
                {
                    for shard in Set(index.weight_map.values) where !listed.contains(shard) {
                        problems.append("checkpoint \(name): shard \(shard) not in the manifest")
                    }
                } else {
                    problems.append("checkpoint \(name): unreadable weight index")
                }
            } else if !listed.contains(CheckpointLayout.weights) {
                problems.append("checkpoint \(name): no weights in the manifest")
            }
        }
        return (names.count, names.last, problems)
    }

    // MARK: the remote

    struct RemoteManifest: Decodable {
        struct Chunk: Decodable {
            var sha256: String
            var size: Int64
        }
        struct File: Decodable { var chunks: [Chunk] }
        var files: [File]
    }

    /// Lists the bucket under the workspace's prefix: every manifest names only blobs that exist, at their sizes.
    func remote() throws -> (published: [String], problems: [String]) {
        let prefix = remotePrefix + "/" + workspace + "/"
        let objects = try s3.list(prefix: prefix)
        var problems: [String] = []
        var published: [String] = []
        for key in objects.keys.sorted() where key.hasPrefix(prefix + "checkpoints/") && key.hasSuffix("/manifest.json")
        {
            let name = String(key.dropFirst((prefix + "checkpoints/").count).dropLast("/manifest.json".count))
            published.append(name)
            if manifests[key] == nil {
                let manifest = try JSONDecoder().decode(RemoteManifest.self, from: s3.get(key))
                manifests[key] = manifest.files.flatMap {
                    $0.chunks.map { (prefix + "blobs/sha256/" + $0.sha256, $0.size) }
                }
            }
            var missing = 0
            for (blob, size) in manifests[key] ?? [] {
                guard let stored = objects[blob] else {
                    missing += 1
                    continue
                }
                if stored != size {
                    problems.append("remote \(name): blob \(blob.suffix(64)) is \(stored) bytes, manifest says \(size)")
                }
            }
            if missing > 0 { problems.append("remote \(name): manifest names \(missing) blobs that do not exist") }
        }
        return (published, problems)
    }

    // MARK: leftovers

    /// Temporary files or directories left in the state directory (the daemon names them `.…tmp-…`).
    func leftovers() -> [String] {
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: stateDir) else { return ["cannot walk \(stateDir)"] }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.contains(".tmp") {
                found.append(relative)
                walker.skipDescendants()
            }
        }
        return found
    }
}
