import Foundation
import Testing

@testable import Engine

@Suite struct CorpusReaderTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "corpus-\(UInt64.random(in: 0...UInt64.max))"
        ).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func bitextWithTabsAndCarriageReturns() throws {
        let path = try file("a  b\t||| x y\r\nc ||| z\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try CorpusReader().read(bitext: path)
        #expect(c.count == 2)
        #expect(c.sourceWords(0) == ["a", "b"])
        #expect(c.targetWords(0) == ["x", "y"])
        #expect(c.targetWords(1) == ["z"])
        #expect(c.warnings.isEmpty)
    }

    @Test func emptySidesAreWarnedWithLineNumbersAndGetNoLinks() throws {
        let path = try file("a ||| x\n||| y\nb |||\n ||| \nc ||| z\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try CorpusReader().read(bitext: path)
        #expect(c.count == 5)
        #expect(c.warnings.map(\.line) == [2, 3, 4])
        #expect(c.warnings.map(\.kind) == [.emptySource, .emptyTarget, .emptyBoth])
        let model = FastAlignModel(corpus: c, options: .fastAlign)
        model.train()
        let links = model.align()
        #expect(links[1].isEmpty && links[2].isEmpty && links[3].isEmpty)
        #expect(model.probabilities.allSatisfy { $0.isFinite })
    }

    @Test func tabIsNotASeparator() throws {
        let path = try file("a b\tx y\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AlignmentError.missingSeparator(path: path, line: 1)) { try CorpusReader().read(bitext: path) }
    }

    @Test func secondSeparatorIsAnError() throws {
        let path = try file("a ||| b\nx ||| y ||| z\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AlignmentError.malformedLine(path: path, line: 2, reason: "more than one ' ||| ' separator")) {
            try CorpusReader().read(bitext: path)
        }
    }

    @Test func overlongLinesFailOrAreSkippedWithAWarning() throws {
        let s = try file("a b\na b c d\n"), t = try file("x\ny\n")
        defer { for p in [s, t] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(throws: AlignmentError.sentenceTooLong(path: s, line: 2, tokens: 4, limit: 3)) {
            try CorpusReader(maxTokens: 3).read(source: s, target: t)
        }
        let c = try CorpusReader(maxTokens: 3, skipOverlong: true).read(source: s, target: t)
        #expect(c.count == 2 && c.sourceLength(1) == 0)
        #expect(c.warnings == [CorpusWarning(path: s, line: 2, kind: .tooLong)])
    }

    @Test func parallelFilesOfDifferentLengths() throws {
        let s = try file("a\nb\nc\n"), t = try file("x\ny\n")
        defer { for p in [s, t] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(throws: AlignmentError.lineCountMismatch(sourcePath: s, sourceLines: 3, targetPath: t, targetLines: 2))
        {
            try CorpusReader().read(source: s, target: t)
        }
    }

    @Test func lowercasingAndTheLiteralNullWord() throws {
        var c = ParallelCorpus()
        c.append(source: ["<eps>", "A"], target: ["x"], line: 1)
        #expect(c.sourceSentence(0).first != 0)
        #expect(c.sourceWords(0) == ["<eps>", "A"])
        #expect(
            CorpusReader(lowercase: true).tokenize("ΛΌΓΟΣ Word") == ["λόγοσ", "word"]
                || CorpusReader(lowercase: true).tokenize("ΛΌΓΟΣ Word") == ["λόγος", "word"])
    }
}
