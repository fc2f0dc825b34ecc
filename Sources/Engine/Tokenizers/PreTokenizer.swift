/// How a split keeps its delimiters (HF `SplitDelimiterBehavior`).
enum SplitBehavior: Sendable {
    case removed, isolated, mergedWithPrevious, mergedWithNext, contiguous

    init(_ name: String?, component: String) throws {
        switch name ?? "Isolated" {
        case "Removed": self = .removed
        case "Isolated": self = .isolated
        case "MergedWithPrevious": self = .mergedWithPrevious
        case "MergedWithNext": self = .mergedWithNext
        case "Contiguous": self = .contiguous
        default: throw TokenizerError.invalidComponent(component: component, reason: "unknown behavior \(name ?? "")")
        }
    }

    /// Turns matches into the kept pieces (HF `NormalizedString::split`), empty pieces dropped.
    func pieces(count: Int, matches: [Range<Int>], invert: Bool = false) -> [Range<Int>] {
        // Full cover of (range, isMatch).
        var cover = [(Range<Int>, Bool)]()
        cover.reserveCapacity(matches.count * 2 + 1)
        var last = 0
        for m in matches {
            if m.lowerBound > last { cover.append((last..<m.lowerBound, invert)) }
            cover.append((m, !invert))
            last = m.upperBound
        }
        if last < count { cover.append((last..<count, invert)) }
        var out = [Range<Int>]()
        out.reserveCapacity(cover.count)
        switch self {
        case .removed:
            for (r, isMatch) in cover where !isMatch { out.append(r) }
        case .isolated:
            for (r, _) in cover { out.append(r) }
        case .mergedWithPrevious:
            var previousMatch = false
            for (r, isMatch) in cover {
                if isMatch && !previousMatch, let l = out.last {
                    out[out.count - 1] = l.lowerBound..<r.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for (r, isMatch) in cover.reversed() {
                if isMatch && !previousMatch, let l = out.last {
                    out[out.count - 1] = r.lowerBound..<l.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = isMatch
            }
            out.reverse()
        case .contiguous:
            var previousMatch = false
            for (r, isMatch) in cover {
                if isMatch == previousMatch, let l = out.last {
                    out[out.count - 1] = l.lowerBound..<r.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = isMatch
            }
        }
        return out.filter { !$0.isEmpty }
    }
}

/// Every scalar satisfying `predicate` is its own match (HF `Pattern` for `Fn(char) -> bool`).
func scalarMatches(_ s: [UInt32], _ predicate: (UInt32) -> Bool) -> [Range<Int>] {
    var out = [Range<Int>]()
    for i in 0..<s.count where predicate(s[i]) { out.append(i..<(i + 1)) }
    return out
}

enum MetaspacePrependScheme: Sendable { case always, first, never }

/// The `pre_tokenizer` section of tokenizer.json.
indirect enum PreTokenizer {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: UInt32, scheme: MetaspacePrependScheme, split: Bool)
    case bert
    case whitespace
    case whitespaceSplit
    case punctuation(SplitBehavior)
    case digits(individual: Bool)
    case split(TextPattern, SplitBehavior, invert: Bool)
    case charDelimiter(UInt32)
    case sequence([PreTokenizer])

    init(json: Any) throws {
        let f = try JSONFields(json, component: "pre_tokenizer")
        switch f.type {
        case "ByteLevel":
            self = .byteLevel(
                addPrefixSpace: f.bool("add_prefix_space", default: true), useRegex: f.bool("use_regex", default: true))
        case "Metaspace":
            let rep = Scalars.of(f.optionalString("replacement") ?? "\u{2581}")
            guard rep.count == 1 else {
                throw TokenizerError.invalidComponent(
                    component: "Metaspace", reason: "replacement must be one character")
            }
            self = .metaspace(
                replacement: rep[0], scheme: try PreTokenizer.scheme(f), split: f.bool("split", default: true))
        case "BertPreTokenizer": self = .bert
        case "Whitespace": self = .whitespace
        case "WhitespaceSplit": self = .whitespaceSplit
        case "Punctuation":
            self = .punctuation(try SplitBehavior(f.optionalString("behavior"), component: "Punctuation"))
        case "Digits": self = .digits(individual: f.bool("individual_digits", default: false))
        case "Split":
            self = .split(
                try TextPattern(f.object["pattern"], component: "Split pre-tokenizer"),
                try SplitBehavior(f.optionalString("behavior"), component: "Split"),
                invert: f.bool("invert", default: false))
        case "CharDelimiterSplit":
            let d = Scalars.of(try f.string("delimiter"))
            guard d.count == 1 else {
                throw TokenizerError.invalidComponent(
                    component: "CharDelimiterSplit", reason: "delimiter must be one character")
            }
            self = .charDelimiter(d[0])
        case "Sequence": self = .sequence(try f.array("pretokenizers").map { try PreTokenizer(json: $0) })
        default: throw TokenizerError.unsupported(component: "pre_tokenizer", type: f.type)
        }
    }

    static func scheme(_ f: JSONFields) throws -> MetaspacePrependScheme {
        if let s = f.optionalString("prepend_scheme") {
            switch s {
            case "always": return .always
            case "first": return .first
            case "never": return .never
            default:
                throw TokenizerError.invalidComponent(component: "Metaspace", reason: "unknown prepend_scheme \(s)")
            }
        }
        // Older files: add_prefix_space.
        return f.bool("add_prefix_space", default: true) ? .always : .never
    }

    /// Whether this pre-tokenizer maps text to the byte-level alphabet (the model then sees byte symbols).
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: return true
        case .sequence(let list): return list.contains { $0.isByteLevel }
        default: return false
        }
    }

    func apply(_ pieces: [NormalizedText]) -> [NormalizedText] {
        switch self {
        case .sequence(let list):
            var p = pieces
            for pt in list { p = pt.apply(p) }
            return p
        default:
            var out = [NormalizedText]()
            out.reserveCapacity(pieces.count * 2)
            for p in pieces { apply(p, into: &out) }
            return out
        }
    }

    private func splitting(
        _ p: NormalizedText, _ matches: [Range<Int>], _ behavior: SplitBehavior, invert: Bool = false,
        into out: inout [NormalizedText]
    ) {
        if matches.isEmpty && !invert {
            if !p.isEmpty { out.append(p) }
            return
        }
        for r in behavior.pieces(count: p.count, matches: matches, invert: invert) { out.append(p.slice(r)) }
    }

    func apply(_ p: NormalizedText, into out: inout [NormalizedText]) {
        switch self {
        case .byteLevel(let addPrefixSpace, let useRegex):
            var p = p
            if addPrefixSpace && p.scalars.first != 0x20 { p.prepend([0x20]) }
            if useRegex {
                for r in KnownSplitPattern.gpt2.matches(in: p.scalars) {
                    out.append(ByteLevelAlphabet.transform(p.slice(r)))
                }
            } else if !p.isEmpty {
                out.append(ByteLevelAlphabet.transform(p))
            }
        case .metaspace(let rep, let scheme, let split):
            var p = p
            p.replace(ranges: scalarMatches(p.scalars) { $0 == 0x20 }, with: [rep])
            switch scheme {
            case .always: if p.scalars.first != rep { p.prepend([rep]) }
            case .first: if p.scalars.first != rep && p.spans.first?.start == 0 { p.prepend([rep]) }
            case .never: break
            }
            if split {
                splitting(p, scalarMatches(p.scalars) { $0 == rep }, .mergedWithNext, into: &out)
            } else if !p.isEmpty {
                out.append(p)
            }
        case .bert:
            var tmp = [NormalizedText]()
            splitting(p, scalarMatches(p.scalars) { UnicodeClasses.isWhitespace($0) }, .removed, into: &tmp)
            for q in tmp {
                splitting(q, scalarMatches(q.scalars) { UnicodeMarks.isBertPunctuation($0) }, .isolated, into: &out)
            }
        case .whitespace:
            splitting(p, PreTokenizer.wordOrSymbolRuns(p.scalars), .removed, invert: true, into: &out)
        case .whitespaceSplit:
            splitting(p, scalarMatches(p.scalars) { UnicodeClasses.isWhitespace($0) }, .removed, into: &out)
        case .punctuation(let behavior):
            splitting(p, scalarMatches(p.scalars) { UnicodeMarks.isBertPunctuation($0) }, behavior, into: &out)
        case .digits(let individual):
            splitting(
                p, scalarMatches(p.scalars) { UnicodeClasses.isNumber($0) }, individual ? .isolated : .contiguous,
                into: &out)
        case .split(let pattern, let behavior, let invert):
            splitting(p, pattern.matches(in: p.scalars), behavior, invert: invert, into: &out)
        case .charDelimiter(let d):
            splitting(p, scalarMatches(p.scalars) { $0 == d }, .removed, into: &out)
        case .sequence:
            out.append(contentsOf: apply([p]))
        }
    }

    /// Matches of `\w+|[^\w\s]+` (HF Whitespace pre-tokenizer); \w = letters, marks, decimal digits, connectors.
    static func wordOrSymbolRuns(_ s: [UInt32]) -> [Range<Int>] {
        func isWord(_ v: UInt32) -> Bool {
            let c = UnicodeClasses.classes(v)
            if c & (UnicodeClasses.letter | UnicodeClasses.mark) != 0 { return true }
            guard let sc = Unicode.Scalar(v) else { return false }
            let g = sc.properties.generalCategory
            return g == .decimalNumber || g == .connectorPunctuation
        }
        var out = [Range<Int>]()
        var i = 0
        while i < s.count {
            if isWord(s[i]) {
                var j = i + 1
                while j < s.count && isWord(s[j]) { j += 1 }
                out.append(i..<j)
                i = j
            } else if !UnicodeClasses.isWhitespace(s[i]) {
                var j = i + 1
                while j < s.count && !isWord(s[j]) && !UnicodeClasses.isWhitespace(s[j]) { j += 1 }
                out.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return out
    }
}
