import Foundation
import Systems

/// fast_align's conditional probability table as exported by the authors' fork (`-p`): one row per kept pair,
/// `e \t f \t ln t(f|e) \t c(e,f)`, with c the expected (soft) count of the penultimate EM pass. `<eps>` is NULL.
public struct LexicalTable: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var source: String
        public var target: String
        public var logProbability: Double
        public var count: Double
        public init(source: String, target: String, logProbability: Double, count: Double) {
            self.source = source
            self.target = target
            self.logProbability = logProbability
            self.count = count
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// Rows without the NULL word.
    public var wordRows: [Row] { rows.filter { $0.source != Vocabulary.nullWord } }

    /// The 4-column text, numbers printed like C++ ostream defaults (`%g`, 6 significant digits).
    public var tsv: String {
        var s = ""
        for r in rows {
            s +=
                r.source + "\t" + r.target + "\t" + String(format: "%g", r.logProbability) + "\t"
                + String(format: "%g", r.count) + "\n"
        }
        return s
    }

    public func write(to path: String) throws {
        do {
            try DurableFile.write(Data(tsv.utf8), to: path)
        } catch {
            throw AlignmentError.cannotRead(path: path, reason: "cannot write: \(FileErrorText.reason(error))")
        }
    }

    /// Parses the 4-column format (3-column rows, as upstream fast_align writes, get count 0).
    public init(contentsOf path: String) throws {
        let reader = try LineReader(path: path)
        var rows: [Row] = []
        var line = 0
        while let text = reader.next() {
            line += 1
            if text.isEmpty { continue }
            let cols = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count == 3 || cols.count == 4, let lp = Double(cols[2]) else {
                throw AlignmentError.malformedLine(
                    path: path, line: line, reason: "expected e<TAB>f<TAB>ln t[<TAB>count]")
            }
            var count = 0.0
            if cols.count == 4 {
                guard let c = Double(cols[3]) else {
                    throw AlignmentError.malformedLine(path: path, line: line, reason: "count is not a number")
                }
                count = c
            }
            rows.append(Row(source: String(cols[0]), target: String(cols[1]), logProbability: lp, count: count))
        }
        self.rows = rows
    }
}
