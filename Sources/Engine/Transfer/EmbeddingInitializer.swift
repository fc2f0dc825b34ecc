import Foundation

/// How new rows are initialised: trans-tokenization or one of the usual re-initialisation baselines.
public enum EmbeddingInit: String, Sendable, CaseIterable {
    /// `Σ_s w(t,s)·E_src[s]` from the token mapping.
    case transtok
    /// Every row = mean of the source rows.
    case mean
    /// Per-dimension normal with the source rows' mean and standard deviation (seeded).
    case random
    /// Tokens whose decoded text (or added-token content) also exists in the source copy that row; the rest = mean.
    case copyOverlap = "copy-overlap"
}

public enum BaselineMappings {
    /// All rows = mean of the source rows.
    public static func mean(targetVocabularySize: Int, sourceVocabularySize: Int) -> TokenMapping {
        TokenMapping(
            rows: Array(repeating: .init(origin: .sourceMean, sources: [], weights: []), count: targetVocabularySize),
            sourceVocabularySize: sourceVocabularySize)
    }

    /// Identical decoded bytes (or matching special/added tokens) copied, everything else mean. When several
    /// source tokens decode to the same bytes the lowest id is copied.
    public static func copyOverlap(source: any TokenVocabulary, target: any TokenVocabulary) -> TokenMapping {
        var table = CountTable(targetVocabularySize: target.vocabularySize)
        HeuristicCounts.explicitSpecials(source: source, target: target, into: &table)
        var bySource: [[UInt8]: Int] = [:]
        let sourceSpecials = source.specialIDs
        for s in (0..<source.vocabularySize).reversed() where !sourceSpecials.contains(s) && source.piece(for: s) != nil
        {
            let bytes = source.decodedBytes(for: s)
            if !bytes.isEmpty { bySource[bytes] = s }
        }
        let targetSpecials = target.specialIDs
        var rows: [TokenMapping.Row] = []
        for t in 0..<target.vocabularySize {
            if table.isMapped(t), let row = TokenMapping.normalized(table.rows[t], origin: .special) {
                rows.append(row)
            } else if !targetSpecials.contains(t), target.piece(for: t) != nil,
                let s = bySource[target.decodedBytes(for: t)]
            {
                rows.append(.init(origin: .heuristic, sources: [s], weights: [1]))
            } else {
                rows.append(.init(origin: .sourceMean, sources: [], weights: []))
            }
        }
        return TokenMapping(rows: rows, sourceVocabularySize: source.vocabularySize)
    }
}

public enum RandomEmbedding {
    /// `rows` rows drawn from N(μ_j, σ_j) per column j of `source` (SplitMix64 + Box–Muller, reproducible).
    public static func sample(rows: Int, like source: EmbeddingMatrix, seed: UInt64 = 0x7472616e73) -> EmbeddingMatrix {
        let d = source.columns
        var mean = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        for r in 0..<source.rows {
            for j in 0..<d {
                let v = Double(source.values[r * d + j])
                mean[j] += v
                sq[j] += v * v
            }
        }
        let n = Double(max(1, source.rows))
        let std = (0..<d).map { j in (max(0, sq[j] / n - (mean[j] / n) * (mean[j] / n))).squareRoot() }
        for j in 0..<d { mean[j] /= n }
        var state = seed
        func next() -> Double { // SplitMix64 → (0, 1)
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        }
        var out = EmbeddingMatrix(zeros: rows, columns: d)
        for i in 0..<(rows * d) {
            let g = (-2 * log(next())).squareRoot() * cos(2 * Double.pi * next())
            let j = i % d
            out.values[i] = Float(mean[j] + std[j] * g)
        }
        return out
    }
}

/// Shrinkage of initialised rows toward the mean source row in proportion to their evidence: row `t` becomes
/// `λ_t·row_t + (1 − λ_t)·μ` with `λ_t = e_t / (e_t + k)`, `e_t` the total count behind the row (alignment,
/// heuristic and smoothing counts; 0 for a fallback row). With a tied head, `h·μ` is the same for every token, so
/// for the head this scales row `t`'s logit by `λ_t` (a token seen rarely is not predicted confidently).
public enum EvidenceShrinkage {
    /// Per target row, the total count behind its mapping (0 for rows without counts).
    public static func evidence(_ counts: TokenMapper.CompletedCounts) -> [Double] {
        (0..<counts.table.targetVocabularySize).map { counts.table.total($0) }
    }

    /// Shrinks `matrix`'s rows in place toward `mean` (a row of the same width).
    public static func apply(to matrix: inout EmbeddingMatrix, evidence: [Double], k: Double, mean: [Float]) {
        let d = matrix.columns
        guard k > 0, mean.count == d else { return }
        for t in 0..<min(matrix.rows, evidence.count) {
            let e = max(0, evidence[t])
            let lambda = Float(e / (e + k))
            if lambda >= 1 { continue }
            for j in 0..<d { matrix.values[t * d + j] = lambda * matrix.values[t * d + j] + (1 - lambda) * mean[j] }
        }
    }

    /// The mean row of `matrix` (accumulated in Double).
    public static func meanRow(_ matrix: EmbeddingMatrix) -> [Float] {
        let d = matrix.columns
        var acc = [Double](repeating: 0, count: d)
        for r in 0..<matrix.rows { for j in 0..<d { acc[j] += Double(matrix.values[r * d + j]) } }
        return acc.map { Float($0 / Double(max(1, matrix.rows))) }
    }
}
