/// Combination of a forward and a reverse alignment, following `atools -c` of fast_align (atools.cc).
/// Both inputs are in file orientation (`left-right`). Output links are sorted by (source, target).
public enum SymmetrizationMethod: String, CaseIterable, Sendable {
    case intersect, union
    case growDiag = "grow-diag"
    case growDiagFinal = "grow-diag-final"
    case growDiagFinalAnd = "grow-diag-final-and"
}

public enum Symmetrizer {
    public static func combine(forward: [AlignmentLink], reverse: [AlignmentLink], method: SymmetrizationMethod)
        -> [AlignmentLink]
    {
        let fwd = Set(forward), rev = Set(reverse)
        let inter = fwd.intersection(rev), uni = fwd.union(rev)
        switch method {
        case .intersect: return inter.sorted()
        case .union: return uni.sorted()
        default: break
        }
        // Grid sized from the largest indices present, as atools does (it never sees sentence lengths).
        let rows = (uni.map(\.source).max() ?? -1) + 1, cols = (uni.map(\.target).max() ?? -1) + 1
        var result = inter
        var sourceAligned = [Bool](repeating: false, count: rows), targetAligned = [Bool](repeating: false, count: cols)
        for l in inter {
            sourceAligned[l.source] = true
            targetAligned[l.target] = true
        }
        func add(_ l: AlignmentLink) {
            result.insert(l)
            sourceAligned[l.source] = true
            targetAligned[l.target] = true
        }
        // Grow: sweep union-minus-intersection in (i, j) order until a sweep adds nothing.
        let candidates = uni.subtracting(inter).sorted()
        let neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
        var added = true
        while added {
            added = false
            for c in candidates where !result.contains(c) && (!sourceAligned[c.source] || !targetAligned[c.target]) {
                for (di, dj) in neighbours where result.contains(AlignmentLink(c.source + di, c.target + dj)) {
                    add(c)
                    added = true
                    break
                }
            }
        }
        if method == .growDiag { return result.sorted() }
        let both = method == .growDiagFinalAnd
        for direction in [fwd, rev] {
            for c in direction.sorted() where !result.contains(c) {
                let free =
                    both
                    ? (!sourceAligned[c.source] && !targetAligned[c.target])
                    : (!sourceAligned[c.source] || !targetAligned[c.target])
                if free { add(c) }
            }
        }
        return result.sorted()
    }

    public static func combine(forward: [[AlignmentLink]], reverse: [[AlignmentLink]], method: SymmetrizationMethod)
        -> [[AlignmentLink]]
    {
        zip(forward, reverse).map { combine(forward: $0, reverse: $1, method: method) }
    }
}
