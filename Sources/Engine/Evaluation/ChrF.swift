/// chrF, the character n-gram F-score (Popović 2015) exactly as sacreBLEU 2.x computes it with its defaults
/// (`CHRF()`: chrF2 — character n-grams of order 1…6, β = 2, no word n-grams, case kept, whitespace removed before
/// extracting n-grams, sacreBLEU's "effective order" averaging instead of ε-smoothing). One reference per hypothesis.
///
/// Per order n the statistics are the hypothesis' n-gram count, the reference's, and the clipped matches; a sentence
/// score is computed from its own statistics, a corpus score from the statistics summed over all sentences (not the
/// mean of sentence scores). Characters are Unicode scalars, as Python's `str` indexes code points; "whitespace" is
/// what Python's `str.split()` splits on. Checked against sacreBLEU by `ChrFTests` on a committed fixture
/// (`scripts/reference/make_chrf_fixture.py`).
public struct ChrF: Sendable, Equatable {
    /// Highest character n-gram order (sacreBLEU `char_order`).
    public var charOrder: Int
    /// Recall is weighted β times as much as precision (sacreBLEU `beta`).
    public var beta: Double
    /// Keep whitespace inside n-grams (sacreBLEU `whitespace`; default false: all whitespace is removed first).
    public var includeWhitespace: Bool

    public init(charOrder: Int = 6, beta: Double = 2, includeWhitespace: Bool = false) {
        precondition(charOrder >= 1, "chrF needs a character order of at least 1")
        self.charOrder = charOrder
        self.beta = beta
        self.includeWhitespace = includeWhitespace
    }

    /// `[hypothesis n-grams, reference n-grams, matches]` per order 1…`charOrder`; add them to pool a corpus.
    public struct Statistics: Sendable, Equatable {
        public var hypothesis: [Int]
        public var reference: [Int]
        public var matches: [Int]

        public init(order: Int) {
            hypothesis = [Int](repeating: 0, count: order)
            reference = hypothesis
            matches = hypothesis
        }

        public static func += (a: inout Statistics, b: Statistics) {
            precondition(a.hypothesis.count == b.hypothesis.count, "chrF statistics of different orders")
            for n in a.hypothesis.indices {
                a.hypothesis[n] += b.hypothesis[n]
                a.reference[n] += b.reference[n]
                a.matches[n] += b.matches[n]
            }
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case lengthMismatch(hypotheses: Int, references: Int)
        public var description: String {
            switch self {
            case .lengthMismatch(let h, let r):
                return "chrF: \(h) hypotheses but \(r) references (need one reference per hypothesis)"
            }
        }
    }

    public func statistics(hypothesis: String, reference: String) -> Statistics {
        let h = characters(hypothesis), r = characters(reference)
        var s = Statistics(order: charOrder)
        for n in 1...charOrder {
            let hc = Self.ngrams(h, n), rc = Self.ngrams(r, n)
            var hypCount = 0, matched = 0
            for (gram, count) in hc {
                hypCount += count
                if let inRef = rc[gram] { matched += min(count, inRef) }
            }
            // sacreBLEU does not count the hypothesis' n-grams of an order the reference has none of (so an empty or
            // too-short reference adds nothing to a pooled precision).
            s.hypothesis[n - 1] = rc.isEmpty ? 0 : hypCount
            s.reference[n - 1] = max(0, r.count - n + 1)
            s.matches[n - 1] = matched
        }
        return s
    }

    /// The score (0…100) of pooled statistics: sacreBLEU's `_compute_f_score` without ε-smoothing. Orders where
    /// the hypothesis or the reference has no n-gram are left out of the averaged precision and recall.
    public func score(_ s: Statistics) -> Double {
        let factor = beta * beta
        var precision = 0.0, recall = 0.0, effectiveOrder = 0
        for n in s.hypothesis.indices where s.hypothesis[n] > 0 && s.reference[n] > 0 {
            precision += Double(s.matches[n]) / Double(s.hypothesis[n])
            recall += Double(s.matches[n]) / Double(s.reference[n])
            effectiveOrder += 1
        }
        guard effectiveOrder > 0 else { return 0 }
        precision /= Double(effectiveOrder)
        recall /= Double(effectiveOrder)
        guard precision + recall > 0 else { return 0 }
        return 100 * (1 + factor) * precision * recall / (factor * precision + recall)
    }

    public func sentenceScore(hypothesis: String, reference: String) -> Double {
        score(statistics(hypothesis: hypothesis, reference: reference))
    }

    /// Corpus chrF: statistics summed over the pairs, then scored once (sacreBLEU `corpus_score`).
    public func corpusScore(hypotheses: [String], references: [String]) throws(Failure) -> Double {
        guard hypotheses.count == references.count else {
            throw .lengthMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        var total = Statistics(order: charOrder)
        for (h, r) in zip(hypotheses, references) { total += statistics(hypothesis: h, reference: r) }
        return score(total)
    }

    private func characters(_ text: String) -> [UInt32] {
        includeWhitespace
            ? text.unicodeScalars.map(\.value)
            : text.unicodeScalars.lazy.filter { !Self.isPythonWhitespace($0.value) }.map(\.value)
    }

    private static func ngrams(_ chars: [UInt32], _ n: Int) -> [ArraySlice<UInt32>: Int] {
        var counts: [ArraySlice<UInt32>: Int] = [:]
        guard chars.count >= n else { return counts }
        for i in 0...(chars.count - n) { counts[chars[i..<(i + n)], default: 0] += 1 }
        return counts
    }

    /// The code points Python's `str.isspace()` (and so `str.split()`) treats as whitespace.
    static func isPythonWhitespace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default: return false
        }
    }
}
