/// Alignment error rate (Och & Ney 2003) against gold links: `i-j` (or `i-j-S`) sure, `i?j` (or `i-j-P`) possible.
/// Lines whose gold line is empty are skipped (no gold, so every hypothesis link would count as wrong).
public struct AlignmentScore: Sendable, Equatable, CustomStringConvertible {
    public var precision: Double
    public var recall: Double
    public var aer: Double
    public var hypothesisLinks: Int
    public var sureLinks: Int
    public var scoredLines: Int

    public var description: String {
        "precision \(fmt(precision))  recall \(fmt(recall))  AER \(fmt(aer))  (\(scoredLines) lines, \(hypothesisLinks) links, \(sureLinks) sure gold links)"
    }
    private func fmt(_ x: Double) -> String { String(format: "%.4f", x) }
}

public struct GoldAlignment: Sendable {
    public var sure: [Set<AlignmentLink>]
    public var possible: [Set<AlignmentLink>] // includes the sure links

    public var count: Int { sure.count }

    public init(contentsOf path: String) throws {
        let reader = try LineReader(path: path)
        var sure: [Set<AlignmentLink>] = [], possible: [Set<AlignmentLink>] = []
        var line = 0
        while let text = reader.next() {
            line += 1
            var s = Set<AlignmentLink>(), p = Set<AlignmentLink>()
            for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) {
                let (link, isSure) = try GoldAlignment.parse(token, path: path, line: line)
                p.insert(link)
                if isSure { s.insert(link) }
            }
            sure.append(s)
            possible.append(p)
        }
        self.sure = sure
        self.possible = possible
    }

    static func parse(_ token: Substring, path: String, line: Int) throws -> (AlignmentLink, Bool) {
        let isPossibleMark = token.contains("?")
        let parts = token.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "?" })
        guard parts.count == 2 || (parts.count == 3 && !isPossibleMark && (parts[2] == "S" || parts[2] == "P")),
            let i = Int(parts[0]), let j = Int(parts[1]), i >= 0, j >= 0
        else {
            throw AlignmentError.malformedLink(path: path, line: line, token: String(token))
        }
        return (AlignmentLink(i, j), !isPossibleMark && !(parts.count == 3 && parts[2] == "P"))
    }
}

public enum AlignmentEvaluation {
    /// Hypothesis lines beyond the gold's are ignored; fewer hypothesis lines than gold lines is an error.
    public static func score(gold: GoldAlignment, hypothesis: [[AlignmentLink]]) throws -> AlignmentScore {
        guard hypothesis.count >= gold.count else {
            throw AlignmentError.invalidArgument("hypothesis has \(hypothesis.count) lines, gold has \(gold.count)")
        }
        var a = 0, s = 0, aS = 0, aP = 0, lines = 0
        for k in 0..<gold.count where !gold.possible[k].isEmpty {
            lines += 1
            let h = Set(hypothesis[k])
            a += h.count
            s += gold.sure[k].count
            aS += h.intersection(gold.sure[k]).count
            aP += h.intersection(gold.possible[k]).count
        }
        let precision = a == 0 ? 0 : Double(aP) / Double(a)
        let recall = s == 0 ? 0 : Double(aS) / Double(s)
        let aer = a + s == 0 ? 0 : 1 - Double(aS + aP) / Double(a + s)
        return AlignmentScore(
            precision: precision, recall: recall, aer: aer, hypothesisLinks: a, sureLinks: s, scoredLines: lines)
    }

    /// Reads a Pharaoh file (one line per sentence pair; possible marks `?` are accepted and read as links).
    public static func readPharaoh(_ path: String) throws -> [[AlignmentLink]] {
        let reader = try LineReader(path: path)
        var result: [[AlignmentLink]] = []
        var line = 0
        while let text = reader.next() {
            line += 1
            result.append(
                try text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map {
                    try GoldAlignment.parse($0, path: path, line: line).0
                })
        }
        return result
    }
}
