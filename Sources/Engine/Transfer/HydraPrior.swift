import Foundation

/// What a Hydra directory takes from the parallel text besides the rows: the head's log-prior, a bias `b_t` added to
/// each target token's logit (`lm_head.bias`), and the text's target tokens per source byte, which caps the length
/// of a translation (`hydra_target_tokens_per_source_byte` in `config.json`, read by `HydraTranslator`).
///
/// Why. A mapped head row is `U_t = Σ_s w(t,s) U_s` with `w(t,s) ≈ P(s|t)` (the counts normalised per *target*
/// token), so its logit is the `P(s|t)`-weighted mean of the source logits `z_s`. When the body predicts source
/// token `s*`, the head then prefers the target token most *purely* aligned to `s*` (largest `P(s*|t)`), not the
/// most likely translation (largest `P(t|s*)`): a rare token aligned only to "of" beats `de`, which also carries a
/// little "from". What generation wants is `log p(t|h) = log Σ_s p(s|h) P(t|s)`. By Jensen's inequality with the
/// weights `q = w(t,·)`:
///
///     log Σ_s p(s|h) P(t|s) ≥ Σ_s w(t,s) [log p(s|h) + log P(t|s) − log w(t,s)]
///                            = h·U_t − logsumexp(z) + b_t,   b_t = Σ_s w(t,s) [log P(t|s) − log w(t,s)].
///
/// The logsumexp is the same for every `t`, so the head with bias `b` scores each target token by that bound.
/// `P(t|s)` is estimated from the two texts: the joint mass `m(t,s) = c_t · w(t,s)` (c_t: the target token's count
/// in the target text, one end-of-sequence per line), over the source token's count
/// `C_s = max(c_s, Σ_t m(t,s))` (c_s: its count in the source text; the max keeps `P(·|s)` summing to at most 1 —
/// the rest is the source token's mass that no target token takes, e.g. English quotes in a Bible without them),
/// with one pseudo-count spread over the target vocabulary: `P(t|s) = (m(t,s) + 1/V_t) / (C_s + 1)`.
/// So a frequent translation keeps `b` near 0, a rare token aligned to a frequent word is pushed down by its
/// rarity, and a token neither text contains (a straight quote mapped to the English one by identical strings,
/// which an instruct body likes to open its answer with) gets `b ≈ −log V_t` instead of passing the source
/// token's logit through unchanged. Rows without sources (the mean-row fallback) average over every source token.
///
/// The head gets the bound's bias `strength` (2) times: the Jensen bound only holds the prior at its weight when
/// the body spreads its prediction, and a body that copies its prompt is sure of the next source word, so the
/// mean-logit part outweighs the prior (docs/method.md § Source-paced decoding: chrF2 on 200 held-out verses
/// 34.38 → 34.80 en–es, 23.38 → 24.56 en–grc with source-paced decoding; × 0.5, 4 and 8 did worse on the 40 dev
/// verses).
public struct HydraPrior: Sendable {
    /// How many times the bound's bias `b_t` the head gets (see the type's comment).
    public static let strength: Float = 2
    /// `strength × b_t` per target token (`lm_head.bias`).
    public var headBias: [Float]
    /// Target tokens per source byte in the parallel text: `HydraTranslator` caps a translation's length with it.
    public var targetTokensPerSourceByte: Double

    public init(headBias: [Float], targetTokensPerSourceByte: Double) {
        self.headBias = headBias
        self.targetTokensPerSourceByte = targetTokensPerSourceByte
    }

    /// From the mapping and the parallel text it was built from (each side counted with its tokenizer, one
    /// end-of-sequence per line).
    public init(
        mapping: TokenMapping, pairs: some Collection<(source: String, target: String)>, source: Tokenizer,
        target: Tokenizer
    ) {
        // Sized by the mapping (a model's table can be larger than its tokenizer; ids beyond it are not counted).
        let targetCounts = Self.counts(
            lines: pairs.lazy.map(\.target), tokenizer: target, endOfSequence: target.specialTokenIDs[.eos],
            size: mapping.targetVocabularySize)
        headBias = Self.bias(
            mapping: mapping, targetCounts: targetCounts,
            sourceCounts: Self.counts(
                lines: pairs.lazy.map(\.source), tokenizer: source, endOfSequence: source.specialTokenIDs[.eos],
                size: mapping.sourceVocabularySize)
        ).map { $0 * Self.strength }
        let sourceBytes = pairs.reduce(0) { $0 + $1.source.utf8.count }
        // Text tokens only: the end-of-sequence counts (when the counts reach that id) are not part of a length.
        let eosCount = target.specialTokenIDs[.eos].map { $0 >= 0 && $0 < targetCounts.count ? pairs.count : 0 } ?? 0
        targetTokensPerSourceByte = (targetCounts.reduce(0, +) - Double(eosCount)) / Double(max(sourceBytes, 1))
    }

    /// Unigram counts of `tokenizer`'s ids below `size` (default: the tokenizer's vocabulary) over `lines`, plus one
    /// end-of-sequence (`endOfSequence`) per line.
    public static func counts(
        lines: some Sequence<String>, tokenizer: Tokenizer, endOfSequence: Int?, size: Int? = nil
    ) -> [Double] {
        var counts = [Double](repeating: 0, count: size ?? tokenizer.vocabularySize)
        for line in lines {
            for id in tokenizer.encode(line, addSpecialTokens: false).ids where id >= 0 && id < counts.count {
                counts[id] += 1
            }
            if let endOfSequence, endOfSequence >= 0, endOfSequence < counts.count { counts[endOfSequence] += 1 }
        }
        return counts
    }

    /// `b_t` for every target id of `mapping` (see the type's comment) from the two texts' unigram counts (ids the
    /// counts do not reach count 0).
    public static func bias(mapping: TokenMapping, targetCounts given: [Double], sourceCounts: [Double]) -> [Float] {
        let targets = mapping.targetVocabularySize, sources = mapping.sourceVocabularySize
        let targetCounts = (0..<targets).map { $0 < given.count ? given[$0] : 0 }
        let pseudo = 1 / Double(max(targets, 1))
        let uniform = 1 / Double(max(sources, 1))
        // Source counts: the text's, floored at the joint mass the mapping puts on each source token.
        var joint = [Double](repeating: 0, count: sources)
        var spreadMass = 0.0 // rows without sources spread their mass uniformly
        for (t, row) in mapping.rows.enumerated() {
            if row.sources.isEmpty {
                spreadMass += targetCounts[t] * uniform
                continue
            }
            for (s, w) in zip(row.sources, row.weights) where s >= 0 && s < sources {
                joint[s] += targetCounts[t] * Double(w)
            }
        }
        let sourceMass = (0..<sources).map {
            max($0 < sourceCounts.count ? sourceCounts[$0] : 0, joint[$0] + spreadMass)
        }
        func term(_ t: Int, _ s: Int, _ w: Double) -> Double {
            log((targetCounts[t] * w + pseudo) / (sourceMass[s] + 1)) - log(w)
        }
        // For a row without sources, the mean of `term` over every source token with w = 1/V_s.
        let meanLogSourceMass = sourceMass.reduce(0) { $0 + log($1 + 1) } * uniform
        return mapping.rows.enumerated().map { t, row in
            var b = 0.0
            if row.sources.isEmpty {
                b = log(targetCounts[t] * uniform + pseudo) - log(uniform) - meanLogSourceMass
            } else {
                for (s, w) in zip(row.sources, row.weights) where s >= 0 && s < sources && w > 0 {
                    b += Double(w) * term(t, s, Double(w))
                }
            }
            return Float(b)
        }
    }
}
