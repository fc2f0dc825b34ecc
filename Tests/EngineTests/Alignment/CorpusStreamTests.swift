import Foundation
import Testing

@testable import Engine

/// The one corpus reader (`CorpusByteStream` + `CorpusLineReader`), used by `transfer`/`align` and the daemon.
@Suite struct CorpusStreamTests {
    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "stream-\(UInt64.random(in: 0...UInt64.max))-\(name)"
        ).path
    }

    func gzip(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-f", "-k", path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// Lines that straddle chunk boundaries (and a gzip copy in two members) come out exactly as split in memory.
    @Test func linesAcrossChunksAndGzipMembersAreExact() throws {
        var text = "\u{FEFF}"
        var expected: [String] = []
        var random: UInt64 = 42
        for i in 0..<6000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1
            let line = "\(i) " + String(repeating: "ab c", count: Int(random >> 56)) + (i % 7 == 0 ? "\r" : "")
            text += line + "\n"
            expected.append(line.hasSuffix("\r") ? String(line.dropLast()) : line)
        }
        text += "last line without newline"
        expected.append("last line without newline")
        let path = temporary("lines.txt")
        defer { for p in [path, path + ".gz"] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(Data(text.utf8).count > 2 * CorpusByteStream.chunkSize)
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try gzip(path)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        // Two concatenated members (as `cat a.gz b.gz` makes) read as one stream.
        let member = try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
        try (member + member).write(to: URL(fileURLWithPath: path + ".gz"))
        for (file, copies) in [(path, 1), (path + ".gz", 2)] {
            let reader = CorpusLineReader(stream: try CorpusByteStream(path: file), maxLineBytes: 10_000, strict: true)
            var lines: [String] = []
            while let line = try reader.next() { lines.append(line) }
            // The second member's BOM is content (it is not at the start of the file); compare without it.
            let joined = Array(repeating: expected, count: copies).flatMap { $0 }
            #expect(lines.count == joined.count)
            #expect(lines.map { $0.replacingOccurrences(of: "\u{FEFF}", with: "") } == joined)
        }
    }

    /// A line longer than the limit is an error naming it, found without reading the line whole (the bug: a file
    /// without newlines was read into memory entire).
    @Test func anOverlongLineIsAnErrorNamingIt() throws {
        let path = temporary("long.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("short ||| line\n".utf8 + Data(repeating: 0x61, count: 3 << 20)).write(to: URL(fileURLWithPath: path))
        let stream = try CorpusByteStream(path: path)
        let reader = CorpusLineReader(stream: stream, maxLineBytes: 1 << 20, strict: false)
        #expect(try reader.next() == "short ||| line")
        #expect(throws: CorpusReadError("line longer than 1048576 bytes", line: 2)) { try reader.next() }
        // It stopped within a chunk of the limit.
        #expect(stream.contentBytes <= (1 << 20) + 2 * CorpusByteStream.chunkSize)
        var corpusReader = CorpusReader()
        corpusReader.maxLineBytes = 1 << 20
        #expect(throws: AlignmentError.malformedLine(path: path, line: 2, reason: "line longer than 1048576 bytes")) {
            try corpusReader.read(bitext: path)
        }
    }

    /// `transfer`'s reader takes gzip-compressed parallel files like plain ones.
    @Test func corpusReaderReadsGzipFiles() throws {
        let source = temporary("s.txt"), target = temporary("t.txt")
        defer {
            for p in [source, target, source + ".gz", target + ".gz"] { try? FileManager.default.removeItem(atPath: p) }
        }
        try "a b\nc\n".write(toFile: source, atomically: true, encoding: .utf8)
        try "x\ny z\n".write(toFile: target, atomically: true, encoding: .utf8)
        try gzip(source)
        try gzip(target)
        let plain = try CorpusReader().read(source: source, target: target)
        let compressed = try CorpusReader().read(source: source + ".gz", target: target + ".gz")
        #expect(compressed.count == 2)
        #expect(
            (0..<2).allSatisfy {
                plain.sourceWords($0) == compressed.sourceWords($0)
                    && plain.targetWords($0) == compressed.targetWords($0)
            })
        // A corrupt member is an error naming the file, not a short corpus.
        var data = try Data(contentsOf: URL(fileURLWithPath: source + ".gz"))
        data = data.prefix(data.count - 6)
        try data.write(to: URL(fileURLWithPath: source + ".gz"))
        #expect { try CorpusReader().read(source: source + ".gz", target: target + ".gz") } throws: { error in
            if case .cannotRead(let path, _) = error as? AlignmentError { return path == source + ".gz" }
            return false
        }
    }
}
