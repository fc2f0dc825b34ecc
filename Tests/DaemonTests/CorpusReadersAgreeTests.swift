import Engine
import Foundation
import Testing

@testable import Daemon

/// Issue #16 item 4: the CLI (`align`/`transfer`: `ParallelTextInput` → `CorpusReader`) and the daemon (a watched
/// folder: `CorpusFileName` → `CorpusParser`) read the same file to the same pairs, for every format the daemon
/// reads, plain and gzip-compressed, with each picking the format from the file's name as it does in use.
@Suite struct CorpusReadersAgreeTests {
    struct Pair: Equatable, CustomStringConvertible {
        var line: Int
        var source: [String]
        var target: [String]
        var description: String { "\(line): \(source) | \(target)" }
    }

    /// The pairs every file below holds (after the daemon's normalisation and the CLI's tokenisation).
    static let expected: [(source: [String], target: [String])] = [
        (["In", "the", "beginning"], ["En", "el", "principio"]),
        (["God", "created"], ["Dios", "creó"]),
        (["Él", "dijo:", "«luz»"], ["He", "said:", "“light”"]),
    ]

    static let sources = ["In  the beginning", "  God created ", "Él dijo: «luz»"]
    static let targets = ["En el principio", "Dios creó", "He said: “light”"]

    /// Files (name → content) holding `expected`, with blank lines, CRLF endings and a byte order mark.
    static var files: [(format: String, names: [String], contents: [String])] {
        let tsv = "\u{FEFF}" + zip(sources, targets).map { "\($0)\t\($1)" }.joined(separator: "\r\n\n") + "\n"
        let jsonl = zip(sources, targets).map { source, target in
            let object = ["src": source, "tgt": target]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: "\n  \n")
        let units = zip(sources, targets).map { source, target in
            """
              <tu>
                <tuv xml:lang="en-GB"><seg>\(source.replacingOccurrences(of: " ", with: "\n  "))</seg></tuv>
                <tuv xml:lang="fr"><seg>ignored</seg></tuv>
                <tuv xml:lang="es"><seg>\(target)</seg></tuv>
              </tu>
            """
        }
        let tmx = """
            <?xml version="1.0" encoding="UTF-8"?>
            <tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x" creationtool="t" creationtoolversion="1"/>
            <body>
              <tu><tuv xml:lang="en"><seg>only English</seg></tuv></tu>
            \(units.joined(separator: "\n"))
            </body></tmx>
            """
        let mosesSource = (sources[0..<2] + ["  "] + sources[2...]).joined(separator: "\n") + "\n"
        let mosesTarget = (targets[0..<2] + [""] + targets[2...]).joined(separator: "\r\n") + "\r\n"
        return [
            ("tsv", ["corpus.tsv"], [tsv]),
            ("jsonl", ["corpus.jsonl"], [jsonl]),
            ("tmx", ["corpus.tmx"], [tmx]),
            ("moses", ["bible.en", "bible.es"], [mosesSource, mosesTarget]),
        ]
    }

    @Test(arguments: ["tsv", "jsonl", "tmx", "moses"], [false, true])
    func theCLIAndTheDaemonReadTheSamePairs(format: String, gzip: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "readers-agree-\(UInt64.random(in: 0...UInt64.max))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try #require(Self.files.first { $0.format == format })
        var paths: [String] = []
        for (name, content) in zip(file.names, file.contents) {
            let path = directory + "/" + name
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            if gzip {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/gzip")
                process.arguments = ["-f", path]
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
                paths.append(path + ".gz")
            } else {
                paths.append(path)
            }
        }

        // The daemon: the name picks the format (and the Moses partner), the ingestor's parser reads it.
        let named = try #require(CorpusFileName.classify(path: paths[0], sourceLanguage: "en", targetLanguage: "es"))
        #expect(named.name == format)
        let parser = CorpusParser()
        var daemon: [Pair] = []
        let partner: CorpusByteStream?
        if case .mosesSource(let partnerPath) = named {
            #expect(partnerPath == paths[1])
            partner = try parser.open(path: partnerPath)
        } else {
            partner = nil
        }
        try parser.parse(
            named.format, try parser.open(path: paths[0]), partner: partner, sourceLanguage: "en", targetLanguage: "es"
        ) { pair in
            daemon.append(
                Pair(
                    line: pair.line, source: pair.source.split(separator: " ").map(String.init),
                    target: pair.target.split(separator: " ").map(String.init)))
        }

        // The CLI: `align --input FILE` (the name picks the format) or `--source`/`--target` for Moses.
        let input: ParallelTextInput =
            paths.count == 2 ? .lineParallel(source: paths[0], target: paths[1]) : .oneFile(paths[0], format: nil)
        #expect(input.format.name == format)
        var reader = CorpusReader()
        reader.sourceLanguage = "en"
        reader.targetLanguage = "es"
        let corpus = try reader.read(input)
        // The CLI keeps blank lines as empty pairs (so pair k is line k; warned about); the daemon skips them.
        let cli = (0..<corpus.count).compactMap { k -> Pair? in
            let pair = Pair(line: corpus.lineNumbers[k], source: corpus.sourceWords(k), target: corpus.targetWords(k))
            return pair.source.isEmpty && pair.target.isEmpty ? nil : pair
        }

        #expect(daemon.map(\.source) == Self.expected.map(\.source))
        #expect(daemon.map(\.target) == Self.expected.map(\.target))
        #expect(cli == daemon)
        #expect(corpus.warnings.allSatisfy { $0.kind == .emptyBoth })
    }
}
