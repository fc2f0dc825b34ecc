import Foundation

/// One parallel sentence pair as the soak writes it (whitespace-trimmed, no tabs or newlines).
struct SoakPair: Hashable {
    var source: String
    var target: String
}

/// The soak's own record of the watched folder: what it wrote where, so the invariants compare the daemon's store
/// with an independent expectation (not with the daemon's own counts).
final class SoakCorpus {
    enum Kind: String { case tsv, gzip, malformed, halfWritten, symlinkInside, symlinkOutside }

    struct Entry {
        var kind: Kind
        /// Pairs of the file's current, complete content (empty for malformed files and symlinks).
        var pairs: [SoakPair]
        /// For symlinks: where it points.
        var target: String?
    }

    let folder: String
    let outside: String
    private let verses: [SoakPair]
    private var cursor = 0
    private var counter = 0
    private(set) var files: [String: Entry] = [:]
    /// Every pair that was ever part of a complete, valid file version: a stored pair outside this set came from a
    /// malformed, truncated or outside file (half-applied or leaked).
    private(set) var everValid: Set<SoakPair> = []

    init(folder: String, outside: String, corpus: String) throws {
        self.folder = folder
        self.outside = outside
        let text = try SoakShell.check("/bin/gzip", ["-dc", corpus]).text
        var seen: Set<SoakPair> = []
        var verses: [SoakPair] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            let pair = SoakPair(
                source: fields[0].trimmingCharacters(in: .whitespacesAndNewlines),
                target: fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
            guard !pair.source.isEmpty, !pair.target.isEmpty, seen.insert(pair).inserted else { continue }
            verses.append(pair)
        }
        guard verses.count >= 1000 else { throw SoakError("\(corpus) has only \(verses.count) distinct pairs") }
        self.verses = verses
    }

    /// Pairs the store must hold (not retracted) right now: the union over valid files present.
    var expected: Set<SoakPair> {
        var set: Set<SoakPair> = []
        for entry in files.values where entry.kind == .tsv || entry.kind == .gzip || entry.kind == .halfWritten {
            set.formUnion(entry.pairs)
        }
        return set
    }

    /// Fresh verse pairs (never written before; after the corpus is used up, numbered variants of it).
    func fresh(_ count: Int) -> [SoakPair] {
        (0..<count).map { _ in
            let base = verses[cursor % verses.count]
            let round = cursor / verses.count
            cursor += 1
            return round == 0
                ? base : SoakPair(source: base.source + " (\(round))", target: base.target + " (\(round))")
        }
    }

    private func nextName(_ prefix: String, _ suffix: String) -> String {
        counter += 1
        return String(format: "%@%05d%@", prefix, counter, suffix)
    }

    static func tsv(_ pairs: [SoakPair]) -> Data {
        Data(pairs.map { "\($0.source)\t\($0.target)\n" }.joined().utf8)
    }

    var validNames: [String] {
        files.filter { $0.value.kind == .tsv || $0.value.kind == .gzip || $0.value.kind == .halfWritten }.keys.sorted()
    }
    var allNames: [String] { files.keys.sorted() }

    // MARK: events

    /// A new TSV file of fresh pairs, sometimes overlapping an existing file (the same pair from two files).
    func add<R: RandomNumberGenerator>(count: Int? = nil, using rng: inout R) throws -> String {
        var pairs = fresh(count ?? Int.random(in: 20...60, using: &rng))
        if let other = validNames.randomElement(using: &rng), Bool.random(using: &rng), let entry = files[other] {
            pairs += entry.pairs.shuffled(using: &rng).prefix(Int.random(in: 3...10, using: &rng))
        }
        let name = nextName("add-", ".tsv")
        try SoakShell.writeAtomically(Self.tsv(pairs), to: folder + "/" + name)
        record(name, Entry(kind: .tsv, pairs: pairs))
        return name
    }

    /// Rewrites a valid plain TSV file: drops some lines, adds fresh ones; in place (truncate + write) or by rename.
    func edit<R: RandomNumberGenerator>(using rng: inout R) throws -> String {
        guard
            let name = files.filter({ $0.value.kind == .tsv || $0.value.kind == .halfWritten }).keys.sorted()
                .randomElement(using: &rng),
            var entry = files[name]
        else { return try add(using: &rng) }
        entry.pairs =
            entry.pairs.filter { _ in Int.random(in: 0..<4, using: &rng) > 0 }
            + fresh(Int.random(in: 5...20, using: &rng))
        entry.kind = .tsv
        let data = Self.tsv(entry.pairs)
        if Bool.random(using: &rng) {
            try SoakShell.writeAtomically(data, to: folder + "/" + name)
        } else {
            guard let handle = FileHandle(forWritingAtPath: folder + "/" + name) else {
                throw SoakError("cannot open \(name)")
            }
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: data)
            try handle.close()
        }
        record(name, entry)
        return name
    }

    /// Deletes any file or symlink of the folder.
    func delete<R: RandomNumberGenerator>(using rng: inout R) throws -> String {
        guard let name = allNames.randomElement(using: &rng) else { return try add(using: &rng) }
        try FileManager.default.removeItem(atPath: folder + "/" + name)
        files[name] = nil
        return name
    }

    /// A gzipped TSV file of fresh pairs.
    func gzip<R: RandomNumberGenerator>(using rng: inout R) throws -> String {
        let pairs = fresh(Int.random(in: 20...60, using: &rng))
        let compressed = try SoakShell.check("/bin/gzip", ["-c"], input: Self.tsv(pairs)).stdout
        let name = nextName("gz-", ".tsv.gz")
        try SoakShell.writeAtomically(compressed, to: folder + "/" + name)
        record(name, Entry(kind: .gzip, pairs: pairs))
        return name
    }

    /// A file the daemon must reject whole: a line without a tab, invalid UTF-8, or a corrupt gzip stream — each
    /// after valid-looking lines of fresh pairs (never part of a valid file, so storing any of them is a violation).
    func malformed<R: RandomNumberGenerator>(using rng: inout R) throws -> (String, String) {
        let pairs = fresh(Int.random(in: 10...30, using: &rng))
        let cut = Int.random(in: 1..<pairs.count, using: &rng)
        var data: Data, name: String, how: String
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            how = "a line without a tab"
            name = nextName("bad-", ".tsv")
            data =
                Self.tsv(Array(pairs[..<cut])) + Data("\(pairs[cut].source) \(pairs[cut].target)\n".utf8)
                + Self.tsv(Array(pairs[(cut + 1)...]))
        case 1:
            how = "invalid UTF-8"
            name = nextName("bad-", ".tsv")
            data =
                Self.tsv(Array(pairs[..<cut])) + Data([0x66, 0xC3, 0x28, 0xFF, 0x09, 0x61, 0x0A])
                + Self.tsv(Array(pairs[cut...]))
        default:
            how = "a truncated gzip stream"
            name = nextName("bad-", ".tsv.gz")
            let whole = try SoakShell.check("/bin/gzip", ["-c"], input: Self.tsv(pairs)).stdout
            data = whole.prefix(max(20, whole.count / 2))
        }
        try SoakShell.writeAtomically(data, to: folder + "/" + name)
        record(name, Entry(kind: .malformed, pairs: []))
        return (name, how)
    }

    /// A symlink to a file of the folder (its pairs are already there, whether the daemon follows it or not).
    func symlinkInside<R: RandomNumberGenerator>(using rng: inout R) throws -> String {
        guard let target = validNames.randomElement(using: &rng) else { return try add(using: &rng) }
        let name = nextName("link-", ".tsv")
        try FileManager.default.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: target)
        record(name, Entry(kind: .symlinkInside, pairs: [], target: target))
        return name
    }

    /// A symlink to a file outside the folder (a secret: its pairs must never be stored).
    func symlinkOutside<R: RandomNumberGenerator>(using rng: inout R) throws -> String {
        let pairs = fresh(Int.random(in: 5...15, using: &rng))
        let secret = outside + "/" + nextName("secret-", ".tsv")
        try Self.tsv(pairs).write(to: URL(fileURLWithPath: secret))
        let name = nextName("out-", ".tsv")
        try FileManager.default.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: secret)
        record(name, Entry(kind: .symlinkOutside, pairs: [], target: secret))
        return name
    }

    /// A file written in two halves (cut inside a line) with a pause longer than the daemon's debounce between
    /// them, open all along: only the complete file may be ingested.
    func halfWritten<R: RandomNumberGenerator>(pause: Double, using rng: inout R) throws -> String {
        let pairs = fresh(Int.random(in: 20...60, using: &rng))
        let data = Self.tsv(pairs)
        let cut = Int.random(in: data.count / 4...(3 * data.count / 4), using: &rng)
        let name = nextName("half-", ".tsv")
        let path = folder + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw SoakError("cannot create \(path)")
        }
        try handle.write(contentsOf: data.prefix(cut))
        try handle.synchronize()
        Thread.sleep(forTimeInterval: pause)
        try handle.write(contentsOf: data.suffix(from: cut))
        try handle.close()
        record(name, Entry(kind: .halfWritten, pairs: pairs))
        return name
    }

    private func record(_ name: String, _ entry: Entry) {
        files[name] = entry
        if entry.kind == .tsv || entry.kind == .gzip || entry.kind == .halfWritten { everValid.formUnion(entry.pairs) }
    }
}
