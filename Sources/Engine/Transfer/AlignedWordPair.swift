/// One row of the aligner's lexical table: expected (soft) co-occurrence count of a source word unit `e` and a
/// target word unit `f`. The log-probability is carried for inspection; the mapping ignores it like the reference.
public struct AlignedWordPair: Sendable, Equatable {
    public var source: String
    public var target: String
    public var logProbability: Double
    public var count: Double

    public init(source: String, target: String, logProbability: Double = 0, count: Double) {
        self.source = source
        self.target = target
        self.logProbability = logProbability
        self.count = count
    }

    /// The NULL word of IBM Model 1 as fast_align writes it.
    public static let nullWord = "<eps>"
}

/// Reader for the 4-column table `e \t f \t ln t(f|e) \t count` (fast_align fork's `-p` export), used for the
/// golden fixtures and for tables produced outside transtok.
public enum LexicalTableTSV {
    public static func parse(_ text: String) throws(TransferError) -> [AlignedWordPair] {
        var rows: [AlignedWordPair] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw .malformedLexicalTable(line: lineNumber, reason: "expected 4 tab-separated fields")
            }
            guard let logP = Double(fields[2]), let count = Double(fields[3]), count.isFinite, count >= 0 else {
                throw .malformedLexicalTable(line: lineNumber, reason: "bad number")
            }
            rows.append(
                AlignedWordPair(
                    source: String(fields[0]), target: String(fields[1]), logProbability: logP, count: count))
        }
        return rows
    }
}
