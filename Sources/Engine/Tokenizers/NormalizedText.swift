/// A range of original Unicode scalar positions.
struct Span: Equatable, Sendable {
    var start: Int32
    var end: Int32
}

/// Text being normalized, as Unicode scalars, each with the range of the original text it came from
/// (HF `NormalizedString` semantics, tracked per scalar instead of per byte: HF's transformations are
/// char-based, so every byte of a char always shares its alignment).
struct NormalizedText {
    var scalars: [UInt32]
    var spans: [Span]

    init(scalars: [UInt32], spans: [Span]) {
        self.scalars = scalars
        self.spans = spans
    }

    /// Original text starting at scalar `offset` of the whole input.
    init<C: Collection>(original: C, offset: Int) where C.Element == UInt32 {
        scalars = Array(original)
        spans = (0..<scalars.count).map { Span(start: Int32(offset + $0), end: Int32(offset + $0 + 1)) }
    }

    var isEmpty: Bool { scalars.isEmpty }
    var count: Int { scalars.count }

    func slice(_ r: Range<Int>) -> NormalizedText {
        NormalizedText(scalars: Array(scalars[r]), spans: Array(spans[r]))
    }

    /// The original range covered by normalized scalars `r` (HF `convert_offsets`: first start, last end).
    func originalRange(_ r: Range<Int>) -> Span? {
        guard !r.isEmpty, r.upperBound <= spans.count else { return nil }
        return Span(start: spans[r.lowerBound].start, end: spans[r.upperBound - 1].end)
    }

    /// Each scalar replaced by zero or more scalars, all inheriting its alignment (HF lowercase / map /
    /// chinese-char padding).
    mutating func expand(_ transform: (UInt32, inout [UInt32]) -> Void) {
        var newScalars = [UInt32]()
        newScalars.reserveCapacity(scalars.count)
        var newSpans = [Span]()
        newSpans.reserveCapacity(scalars.count)
        var buffer = [UInt32]()
        for i in 0..<scalars.count {
            buffer.removeAll(keepingCapacity: true)
            transform(scalars[i], &buffer)
            for v in buffer {
                newScalars.append(v)
                newSpans.append(spans[i])
            }
        }
        scalars = newScalars
        spans = newSpans
    }

    mutating func filter(_ keep: (UInt32) -> Bool) {
        var w = 0
        for i in 0..<scalars.count where keep(scalars[i]) {
            scalars[w] = scalars[i]
            spans[w] = spans[i]
            w += 1
        }
        scalars.removeLast(scalars.count - w)
        spans.removeLast(spans.count - w)
    }

    /// HF `prepend`: the new scalars take the alignment of the first scalar; no-op on empty text.
    mutating func prepend(_ prefix: [UInt32]) {
        guard let first = spans.first, !prefix.isEmpty else { return }
        scalars.insert(contentsOf: prefix, at: 0)
        spans.insert(contentsOf: Array(repeating: first, count: prefix.count), at: 0)
    }

    mutating func append(_ suffix: [UInt32]) {
        guard let last = spans.last, !suffix.isEmpty else { return }
        scalars.append(contentsOf: suffix)
        spans.append(contentsOf: Array(repeating: last, count: suffix.count))
    }

    /// Replace the given non-overlapping, sorted scalar ranges by `content`; inserted scalars take the alignment
    /// of the last replaced scalar (HF `replace`).
    mutating func replace(ranges: [Range<Int>], with content: [UInt32]) {
        guard !ranges.isEmpty else { return }
        var newScalars = [UInt32]()
        newScalars.reserveCapacity(scalars.count)
        var newSpans = [Span]()
        newSpans.reserveCapacity(scalars.count)
        var last = 0
        for r in ranges {
            newScalars.append(contentsOf: scalars[last..<r.lowerBound])
            newSpans.append(contentsOf: spans[last..<r.lowerBound])
            if !r.isEmpty {
                let align = spans[r.upperBound - 1]
                for v in content {
                    newScalars.append(v)
                    newSpans.append(align)
                }
            }
            last = r.upperBound
        }
        newScalars.append(contentsOf: scalars[last...])
        newSpans.append(contentsOf: spans[last...])
        scalars = newScalars
        spans = newSpans
    }

    /// Strip leading/trailing scalars matching `predicate`.
    mutating func strip(left: Bool, right: Bool, _ predicate: (UInt32) -> Bool) {
        var lo = 0, hi = scalars.count
        if left { while lo < hi && predicate(scalars[lo]) { lo += 1 } }
        if right { while hi > lo && predicate(scalars[hi - 1]) { hi -= 1 } }
        if lo != 0 || hi != scalars.count {
            scalars = Array(scalars[lo..<hi])
            spans = Array(spans[lo..<hi])
        }
    }
}

extension NormalizedText {
    /// HF `NormalizedString::transform` on the whole text, in scalar units: each `(scalar, change)` either
    /// replaces the next original scalar (change 0), replaces it and removes `-change` more (change < 0), or is
    /// inserted (change 1) with the alignment of the scalar before it. `initialRemoved` scalars are dropped first.
    mutating func transform(_ dest: [(UInt32, Int)], initialRemoved: Int = 0) {
        var cursor = initialRemoved
        var newScalars = [UInt32]()
        newScalars.reserveCapacity(dest.count)
        var newSpans = [Span]()
        newSpans.reserveCapacity(dest.count)
        for (v, change) in dest {
            let align: Span
            if change > 0 {
                align = cursor >= 1 && cursor - 1 < spans.count ? spans[cursor - 1] : Span(start: 0, end: 0)
            } else {
                align = cursor < spans.count ? spans[cursor] : (spans.last ?? Span(start: 0, end: 0))
                cursor += 1 - change
            }
            newScalars.append(v)
            newSpans.append(align)
        }
        scalars = newScalars
        spans = newSpans
    }
}
