/// What the mapping step did: rows per origin, coverage, and the tokens that needed the fallback.
public struct MappingReport: Sendable, CustomStringConvertible {
    public let targetVocabularySize: Int
    public let rowsByOrigin: [TokenMapping.Origin: Int]
    /// Rows with evidence before smoothing (alignment, heuristics, specials).
    public let directlyMapped: Int
    public let smoothed: Int
    /// Target ids that got a fallback row, with their pieces (for logging).
    public let fallbackTokens: [(id: Int, piece: String, origin: TokenMapping.Origin)]
    public let paperCompat: Bool
    public var alignment = TokenMapper.AlignmentStatistics()

    init(mapping: TokenMapping, directlyMapped: Int, smoothed: Int, target: any TokenVocabulary, paperCompat: Bool) {
        targetVocabularySize = mapping.targetVocabularySize
        var byOrigin: [TokenMapping.Origin: Int] = [:]
        var fallback: [(id: Int, piece: String, origin: TokenMapping.Origin)] = []
        for (t, row) in mapping.rows.enumerated() {
            byOrigin[row.origin, default: 0] += 1
            if row.origin.isFallback { fallback.append((t, target.piece(for: t) ?? "<hole \(t)>", row.origin)) }
        }
        rowsByOrigin = byOrigin
        self.directlyMapped = directlyMapped
        self.smoothed = smoothed
        fallbackTokens = fallback
        self.paperCompat = paperCompat
    }

    /// Share of target tokens with direct evidence (alignment, heuristics, specials).
    public var coverage: Double {
        targetVocabularySize == 0 ? 0 : Double(directlyMapped) / Double(targetVocabularySize)
    }
    public var unmappedCount: Int { fallbackTokens.count }

    public var description: String {
        var lines = [String]()
        lines.append("mapping (\(paperCompat ? "paper-compat" : "default")): \(targetVocabularySize) target tokens")
        let percent = (1000 * coverage).rounded() / 10
        lines.append(
            "  direct evidence \(directlyMapped) (\(percent)%), smoothed \(smoothed), fallback \(unmappedCount)")
        for origin in TokenMapping.Origin.allCases {
            if let n = rowsByOrigin[origin] { lines.append("  \(origin.rawValue): \(n)") }
        }
        lines.append(
            "  aligned pairs used \(alignment.pairsUsed), below min count \(alignment.pairsBelowMinCount), with NULL \(alignment.pairsWithNull), unresolved pieces src \(alignment.unresolvedSourcePieces) tgt \(alignment.unresolvedTargetPieces)"
        )
        let sample = fallbackTokens.prefix(20).map { "\($0.piece)(\($0.id))" }.joined(separator: " ")
        if !sample.isEmpty { lines.append("  fallback tokens (first 20): \(sample)") }
        return lines.joined(separator: "\n")
    }
}
