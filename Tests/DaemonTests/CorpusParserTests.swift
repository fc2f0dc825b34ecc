import Engine
import Foundation
import Testing

@testable import Daemon

@Suite struct CorpusParserTests {
    let parser = CorpusParser()

    @Test func tsvPairsAreNormalisedAndHashed() throws {
        let pairs = try parser.parseTSV(Data("In the  beginning\tEn el principio\r\n\n  God \t Dios\n".utf8))
        #expect(pairs.map(\.source) == ["In the beginning", "God"])
        #expect(pairs.map(\.target) == ["En el principio", "Dios"])
        #expect(pairs.map(\.line) == [1, 3])
        #expect(Set(pairs.map(\.contentHash)).count == 2)
        // Canonically equivalent text (NFD vs NFC) is the same pair.
        let nfd = try parser.parseTSV(Data("cafe\u{301}\tcafé\n".utf8))
        let nfc = try parser.parseTSV(Data("caf\u{E9}\tcafé\n".utf8))
        #expect(nfd[0].contentHash == nfc[0].contentHash)
    }

    /// The fast path (text below U+0300 is already NFC; ASCII whitespace by byte) gives what the full path gives.
    @Test func normalizationFastPathEqualsTheFullPath() {
        func full(_ text: String) -> String {
            var out = ""
            var pendingSpace = false
            for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
                if scalar.properties.isWhitespace {
                    pendingSpace = !out.isEmpty
                } else {
                    if pendingSpace { out.unicodeScalars.append(" ") }
                    pendingSpace = false
                    out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
        let samples = [
            "  plain ASCII\t text \r\n", "año\u{A0}niño\u{85}x", "cafe\u{301} au lait", "\u{212B}ngström",
            "\u{1100}\u{1161} 한국어",
            "Ελληνικά  κείμενο", "ǅemal ȘȚ ɐ", "\u{2003}em space\u{3000}", "a\u{0B47}\u{0B3E}b", "\u{0958} देवनागरी", "",
        ]
        for text in samples {
            #expect(
                SentenceNormalizer.normalize(text) == full(text),
                "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // Every scalar below U+0300 takes the fast path and keeps its place.
        let latin = String(String.UnicodeScalarView((0x20..<0x300).compactMap(Unicode.Scalar.init)))
        #expect(SentenceNormalizer.isBelowCombiningMarks(latin))
        #expect(SentenceNormalizer.normalize(latin) == full(latin))
        #expect(!SentenceNormalizer.isBelowCombiningMarks("e\u{301}"))
    }

    @Test func badTSVLinesRejectTheFileWithTheirLine() {
        #expect(throws: CorpusParseError("expected 2 tab-separated fields (source, target), found 3", line: 2)) {
            try parser.parseTSV(Data("a\tb\nc\td\te\n".utf8))
        }
        #expect(throws: CorpusParseError("empty target sentence", line: 1)) {
            try parser.parseTSV(Data("a\t  \n".utf8))
        }
        #expect(throws: CorpusParseError("invalid UTF-8", line: 3)) {
            try parser.parseTSV(Data([UInt8]("a\tb\nc\td\n".utf8) + [0x66, 0xFF, 0x09, 0x67, 0x0A]))
        }
        #expect(throws: CorpusParseError("binary data (NUL byte); is this a text file?", line: 1)) {
            try parser.parseTSV(Data([0x61, 0x00, 0x09, 0x62]))
        }
        var small = CorpusParser()
        small.limits.maxSentenceBytes = 10
        #expect(throws: CorpusParseError("sentence longer than 10 bytes", line: 1)) {
            try small.parseTSV(Data("aaaaaaaaaaaa\tb\n".utf8))
        }
    }

    /// Issue #14 item 7: a record over the limit is an error naming its line or unit, not unbounded growth.
    @Test func overlongLinesAndUnitsAreRejectedWithTheirLine() {
        let long = String(repeating: "x", count: 300_000)
        #expect(throws: CorpusParseError("line longer than 100000 bytes", line: 2)) {
            try parser.parseTSV(Data("a\tb\n\(long)\tc\n".utf8))
        }
        #expect(throws: CorpusParseError("target file: line longer than 100000 bytes", line: 3)) {
            try parser.parseMoses(source: Data("a\nb\nc\n".utf8), target: Data("x\ny\n\(long)\n".utf8))
        }
        let tmx =
            "<tmx version=\"1.4\"><header srclang=\"en\"/><body>\n<tu><tuv xml:lang=\"en\"><seg>ok</seg></tuv><tuv xml:lang=\"es\"><seg>vale</seg></tuv></tu>\n<tu><tuv xml:lang=\"en\"><seg>\(long)</seg></tuv></tu></body></tmx>"
        #expect(throws: CorpusParseError("translation unit longer than 100000 bytes", line: 3)) {
            try parser.parseTMX(Data(tmx.utf8), sourceLanguage: "en", targetLanguage: "es")
        }
    }

    @Test func jsonLinesNeedBothFields() throws {
        let pairs = try parser.parseJSONLines(Data((#"{"src": "Hello", "tgt": "Hola"}"# + "\n").utf8))
        #expect(pairs.first?.target == "Hola")
        #expect(throws: CorpusParseError("not a JSON object with string fields \"src\" and \"tgt\"", line: 2)) {
            try parser.parseJSONLines(Data("{\"src\":\"a\",\"tgt\":\"b\"}\n{\"src\":\"a\"}\n".utf8))
        }
    }

    @Test func mosesFilesMustHaveEqualLineCounts() throws {
        let pairs = try parser.parseMoses(source: Data("one\ntwo\n".utf8), target: Data("uno\ndos\n".utf8))
        #expect(pairs.map(\.target) == ["uno", "dos"])
        #expect(throws: CorpusParseError("line counts differ: source has 2, target has 3")) {
            try parser.parseMoses(source: Data("one\ntwo\n".utf8), target: Data("uno\ndos\ntres\n".utf8))
        }
        #expect(throws: CorpusParseError("blank on one side only", line: 2)) {
            try parser.parseMoses(source: Data("one\n\n".utf8), target: Data("uno\ndos\n".utf8))
        }
    }

    @Test func tmxUnitsArePairedByLanguage() throws {
        let tmx = """
            <?xml version="1.0" encoding="UTF-8"?>
            <tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x" creationtool="t" creationtoolversion="1"/>
            <body>
              <tu><tuv xml:lang="en-GB"><seg>Good <bpt i="1">&lt;b&gt;</bpt>morning<ept i="1">&lt;/b&gt;</ept></seg></tuv>
                  <tuv xml:lang="es"><seg>Buenos días</seg></tuv></tu>
              <tu><tuv xml:lang="en"><seg>Only English</seg></tuv><tuv xml:lang="fr"><seg>Seulement</seg></tuv></tu>
            </body></tmx>
            """
        let pairs = try parser.parseTMX(Data(tmx.utf8), sourceLanguage: "en", targetLanguage: "es")
        #expect(pairs.map(\.source) == ["Good morning"])
        #expect(pairs.map(\.target) == ["Buenos días"])

        // CDATA segments keep their text (issue #14 item 7: they were dropped or emptied).
        let cdata = """
            <tmx version="1.4"><header srclang="en"/><body>
              <tu><tuv xml:lang="en"><seg><![CDATA[Use <b> & <i> tags]]></seg></tuv>
                  <tuv xml:lang="es"><seg>Usa <![CDATA[<b> & <i>]]> etiquetas</seg></tuv></tu>
            </body></tmx>
            """
        let cdataPairs = try parser.parseTMX(Data(cdata.utf8), sourceLanguage: "en", targetLanguage: "es")
        #expect(cdataPairs.map(\.source) == ["Use <b> & <i> tags"])
        #expect(cdataPairs.map(\.target) == ["Usa <b> & <i> etiquetas"])
        #expect(throws: CorpusParseError.self) {
            try parser.parseTMX(
                Data("<tmx><body><tu><tuv xml:lang='en'><seg>x</tuv></tu></body></tmx>".utf8),
                sourceLanguage: "en", targetLanguage: "es")
        }
    }

    @Test func gzipRoundTripsAndCorruptDataIsRejected() throws {
        let directory = NSTemporaryDirectory() + "gz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = directory + "/x.tsv"
        try "a\tb\nc\td\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        let data = try parser.read(path: plain + ".gz")
        #expect(try parser.parseTSV(data).count == 2)
        var corrupt = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        corrupt = corrupt.prefix(corrupt.count - 6)
        try corrupt.write(to: URL(fileURLWithPath: directory + "/y.tsv.gz"))
        #expect(throws: CorpusParseError.self) { try parser.read(path: directory + "/y.tsv.gz") }
    }

    @Test func formatsAreRecognisedByName() {
        #expect(CorpusFileName.classify(path: "/in/a.tsv", sourceLanguage: "en", targetLanguage: "es") == .tsv)
        #expect(
            CorpusFileName.classify(path: "/in/a.jsonl.gz", sourceLanguage: "en", targetLanguage: "es") == .jsonLines)
        #expect(CorpusFileName.classify(path: "/in/a.tmx", sourceLanguage: "en", targetLanguage: "es") == .tmx)
        #expect(
            CorpusFileName.classify(path: "/in/bible.en", sourceLanguage: "en", targetLanguage: "es")
                == .mosesSource(partner: "/in/bible.es"))
        #expect(
            CorpusFileName.classify(path: "/in/bible.es.gz", sourceLanguage: "en", targetLanguage: "es")
                == .mosesTarget(partner: "/in/bible.en.gz"))
        #expect(CorpusFileName.classify(path: "/in/.a.tsv", sourceLanguage: "en", targetLanguage: "es") == nil)
        #expect(CorpusFileName.classify(path: "/in/a.tsv.tmp", sourceLanguage: "en", targetLanguage: "es") == nil)
        #expect(CorpusFileName.classify(path: "/in/notes.txt", sourceLanguage: "en", targetLanguage: "es") == nil)
    }
}
