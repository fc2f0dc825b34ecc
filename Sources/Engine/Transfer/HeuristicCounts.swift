/// Counts added besides the alignment (§1.6): numbers, identical strings and special tokens.
enum HeuristicCounts {
    /// The reference's `remap_model` unk: source unk, else pad, else bos, else id 0.
    static func sourceUnk(_ source: any TokenVocabulary) -> Int {
        source.specialTokenRoles[.unk] ?? source.specialTokenRoles[.pad] ?? source.specialTokenRoles[.bos] ?? 0
    }

    // MARK: numbers

    /// Paper: `0…9998` and `"0"+0…98`, each also with a leading space. If the string is a target piece it maps to
    /// the same source piece or to the *first* source subtoken; if the target tokenizer makes it one token, that
    /// token maps to the first source subtoken; count 1 each (pitfall 9 kept on purpose).
    static func paperNumbers(source: any TokenVocabulary, target: any TokenVocabulary, into table: inout some CountSink)
    {
        var strings = (0...9998).map(String.init)
        strings += (0...98).map { "0" + String($0) }
        for base in strings {
            for s in [base, " " + base] {
                let firstSource = source.encodeForTransfer(s).ids.first
                if let t = target.id(forPiece: s), let src = source.id(forPiece: s) ?? firstSource {
                    table.add(target: t, source: src, 1, origin: .heuristic)
                }
                let tt = target.encodeForTransfer(s).ids
                if tt.count == 1, let src = firstSource {
                    table.add(target: tt[0], source: src, 1, origin: .heuristic)
                }
            }
        }
    }

    /// Default: every target token whose decoded text is digits (optionally after leading whitespace) is tokenized
    /// by the source tokenizer and the count 1 is split over *all* its subtokens (fixes pitfall 9, where
    /// `old.tokenize("123")[0]` can be a bare `▁`).
    static func decodedNumbers(
        source: any TokenVocabulary, target: any TokenVocabulary, into table: inout some CountSink
    ) {
        let specials = target.specialIDs
        for t in 0..<target.vocabularySize where !specials.contains(t) {
            guard let text = target.decodedText(for: t) else { continue }
            let digits = text.drop(while: { $0 == " " })
            guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ $0.value >= 48 && $0.value <= 57 }) else {
                continue
            }
            let ids = source.encodeForTransfer(text).ids
            guard !ids.isEmpty else { continue }
            for s in ids { table.add(target: t, source: s, 1 / Double(ids.count), origin: .heuristic) }
        }
    }

    // MARK: identical strings

    /// Paper: swap the markers with `str.replace` (every occurrence, as the reference does) and look the result up
    /// in the source vocabulary. An empty pattern is skipped instead of inserting the marker between every
    /// character (pitfall 2); with non-empty markers this is exactly the reference.
    static func paperIdentical(
        source: any TokenVocabulary, target: any TokenVocabulary, into table: inout some CountSink
    ) {
        let (p1New, p2New) = target.wordMarkers
        let (p1Old, p2Old) = source.wordMarkers
        for t in 0..<target.vocabularySize {
            guard var token = target.piece(for: t) else { continue }
            if !p1New.isEmpty { token = token.replacingAll(p1New, with: p1Old) }
            if !p2New.isEmpty { token = token.replacingAll(p2New, with: p2Old) }
            if let s = source.id(forPiece: token) { table.add(target: t, source: s, 1, origin: .heuristic) }
        }
    }

    /// Default: identical *decoded* bytes (works across `▁`/`Ġ`/`##` vocabularies and non-Latin byte-level
    /// tokens, pitfall 4). Special tokens are left to the special-token step. Several source tokens with the
    /// same bytes (SentencePiece `<0x41>` and `A`) all count.
    static func decodedIdentical(
        source: any TokenVocabulary, target: any TokenVocabulary, into table: inout some CountSink
    ) {
        var bySource: [[UInt8]: [Int]] = [:]
        let sourceSpecials = source.specialIDs
        for s in 0..<source.vocabularySize where !sourceSpecials.contains(s) && source.piece(for: s) != nil {
            let bytes = source.decodedBytes(for: s)
            if !bytes.isEmpty { bySource[bytes, default: []].append(s) }
        }
        let targetSpecials = target.specialIDs
        for t in 0..<target.vocabularySize where !targetSpecials.contains(t) && target.piece(for: t) != nil {
            guard let sources = bySource[target.decodedBytes(for: t)] else { continue }
            for s in sources { table.add(target: t, source: s, 1 / Double(sources.count), origin: .heuristic) }
        }
    }

    // MARK: special tokens

    /// Role table of the reference: pad→pad, unk→unk, bos→bos|cls, eos→eos|sep, cls→cls|bos, sep→sep|eos,
    /// mask→mask|pad.
    static let roleFallbacks: [(SpecialTokenRole, [SpecialTokenRole])] = [
        (.pad, [.pad]), (.unk, [.unk]), (.bos, [.bos, .cls]), (.eos, [.eos, .sep]),
        (.cls, [.cls, .bos]), (.sep, [.sep, .eos]), (.mask, [.mask, .pad]),
    ]

    /// Paper: count 10⁹ for each role, falling back to the source unk; added tokens get nothing (pitfall 13).
    static func paperSpecials(
        source: any TokenVocabulary, target: any TokenVocabulary, into table: inout some CountSink
    ) {
        for (role, candidates) in roleFallbacks {
            guard let t = target.specialTokenRoles[role] else { continue }
            let s = candidates.lazy.compactMap { source.specialTokenRoles[$0] }.first ?? sourceUnk(source)
            table.add(target: t, source: s, 1_000_000_000, origin: .special)
        }
    }

    /// Default: role tokens as in the paper, then every added/special target token whose content is also a source
    /// added token or piece (ChatML `<|im_start|>` etc.). These rows are set outright (weight 1), not mixed with
    /// alignment counts. Returns the target special ids left without a counterpart (they get the mean row).
    @discardableResult
    static func explicitSpecials(
        source: any TokenVocabulary, target: any TokenVocabulary, into table: inout some CountSink
    ) -> [Int] {
        var done = Set<Int>()
        for (role, candidates) in roleFallbacks {
            guard let t = target.specialTokenRoles[role], !done.contains(t) else { continue }
            guard let s = candidates.lazy.compactMap({ source.specialTokenRoles[$0] }).first else { continue }
            table.set(target: t, [s: 1], origin: .special)
            done.insert(t)
        }
        var sourceByContent: [String: Int] = [:]
        for (s, content) in source.addedTokenContents { sourceByContent[content] = s }
        var unmatched: [Int] = []
        for t in target.specialIDs.sorted() where !done.contains(t) {
            let content = target.addedTokenContents[t] ?? target.piece(for: t) ?? ""
            if let s = sourceByContent[content] ?? source.id(forPiece: content) {
                table.set(target: t, [s: 1], origin: .special)
            } else {
                unmatched.append(t)
            }
        }
        return unmatched
    }
}

extension String {
    /// Python's `str.replace`: non-overlapping, left to right, on Unicode scalars (not grapheme clusters).
    func replacingAll(_ pattern: String, with replacement: String) -> String {
        let p = Array(pattern.unicodeScalars)
        guard !p.isEmpty else { return self }
        let s = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if i + p.count <= s.count, Array(s[i..<(i + p.count)]) == p {
                out.append(contentsOf: replacement.unicodeScalars)
                i += p.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(out)
    }

    /// Python's `str.startswith` (scalar-wise; Swift's `hasPrefix` compares grapheme clusters).
    func hasScalarPrefix(_ prefix: String) -> Bool {
        unicodeScalars.starts(with: prefix.unicodeScalars)
    }
}
