import Foundation
import Testing

@testable import Engine

@Suite struct SymmetrizerTests {
    func links(_ s: String) -> [AlignmentLink] {
        s.split(separator: " ").map { t in
            let p = t.split(separator: "-")
            return AlignmentLink(Int(p[0])!, Int(p[1])!)
        }
    }

    @Test func methodsOnAHandExample() {
        let f = links("0-0 3-3"), r = links("0-0 3-2")
        #expect(Symmetrizer.combine(forward: f, reverse: r, method: .intersect) == links("0-0"))
        #expect(Symmetrizer.combine(forward: f, reverse: r, method: .union) == links("0-0 3-2 3-3"))
        #expect(Symmetrizer.combine(forward: f, reverse: r, method: .growDiag) == links("0-0"))
        #expect(Symmetrizer.combine(forward: f, reverse: r, method: .growDiagFinalAnd) == links("0-0 3-3"))
        #expect(Symmetrizer.combine(forward: f, reverse: r, method: .growDiagFinal) == links("0-0 3-2 3-3"))
    }

    @Test func growAddsDiagonalNeighboursOfUnalignedWords() {
        let f = links("0-0 1-1 2-1"), r = links("0-0 1-1 1-2")
        #expect(Symmetrizer.combine(forward: f, reverse: r, method: .growDiag) == links("0-0 1-1 1-2 2-1"))
        // A union point whose row and column are both already aligned is not grown.
        let f2 = links("0-0 1-1 0-1"), r2 = links("0-0 1-1")
        #expect(Symmetrizer.combine(forward: f2, reverse: r2, method: .growDiag) == links("0-0 1-1"))
        #expect(Symmetrizer.combine(forward: f2, reverse: r2, method: .growDiagFinal) == links("0-0 1-1"))
    }
}

@Suite struct AlignmentEvaluationTests {
    @Test func sureAndPossibleLinksAndSkippedLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aer-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gold = dir.appendingPathComponent("gold").path, hyp = dir.appendingPathComponent("hyp").path
        try "0-0 1?1\n\n2-2-P 0-1-S\n".write(toFile: gold, atomically: true, encoding: .utf8)
        try "0-0 1-1 2-2\n0-0 5-5\n0-1\n".write(toFile: hyp, atomically: true, encoding: .utf8)
        let s = try AlignmentEvaluation.score(
            gold: GoldAlignment(contentsOf: gold), hypothesis: AlignmentEvaluation.readPharaoh(hyp))
        // Line 2 is skipped. A = 4, S = 2 (0-0, 0-1), A∩S = 2, A∩P = 3 (0-0, 1-1, 0-1).
        #expect(s.scoredLines == 2)
        #expect(s.hypothesisLinks == 4)
        #expect(s.sureLinks == 2)
        #expect(abs(s.precision - 0.75) < 1e-12)
        #expect(abs(s.recall - 1) < 1e-12)
        #expect(abs(s.aer - (1 - 5.0 / 6.0)) < 1e-12)
    }

    @Test func malformedLinkNamesFileAndLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bad-gold-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try "0-0\n1-x\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AlignmentError.malformedLink(path: path, line: 2, token: "1-x")) {
            try GoldAlignment(contentsOf: path)
        }
    }
}
