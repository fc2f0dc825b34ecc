import Engine
import Foundation

/// A small synthetic tokenizer for transfer tests: greedy longest match over a piece list, in one of three
/// schemes. Pieces starting with `<` are special (never matched from text). `scripts/reference/map_tokens_reference.py`
/// implements the same `.sentencePiece` algorithm so the paper fixture can be regenerated.
struct ToyVocabulary: TokenVocabulary {
    enum Scheme: Sendable { case sentencePiece, byteLevel, wordPiece }

    let pieces: [String]
    let scheme: Scheme
    let pieceIDs: [String: Int]
    let addedTokenContents: [Int: String]
    let specialTokenRoles: [SpecialTokenRole: Int]
    private let longest: Int

    init(_ pieces: [String], scheme: Scheme = .sentencePiece, added: [String] = []) {
        self.pieces = pieces
        self.scheme = scheme
        var ids: [String: Int] = [:]
        for (i, p) in pieces.enumerated() where ids[p] == nil { ids[p] = i }
        pieceIDs = ids
        var roles: [SpecialTokenRole: Int] = [:]
        for (role, piece) in [(SpecialTokenRole.unk, "<unk>"), (.bos, "<s>"), (.eos, "</s>"), (.pad, "<pad>")] {
            if let id = ids[piece] { roles[role] = id }
        }
        specialTokenRoles = roles
        addedTokenContents = Dictionary(uniqueKeysWithValues: added.compactMap { a in ids[a].map { ($0, a) } })
        longest = pieces.map { $0.unicodeScalars.count }.max() ?? 1
    }

    static func fixture(_ name: String, added: [String] = []) throws -> ToyVocabulary {
        let text = try String(contentsOfFile: TestPaths.fixture("transfer/\(name)"), encoding: .utf8)
        return ToyVocabulary(text.split(separator: "\n").map(String.init), added: added)
    }

    var vocabularySize: Int { pieces.count }
    func piece(for id: Int) -> String? { id >= 0 && id < pieces.count ? pieces[id] : nil }
    func id(forPiece piece: String) -> Int? { pieceIDs[piece] }

    func decodedBytes(for id: Int) -> [UInt8] {
        guard let p = piece(for: id) else { return [] }
        if p.hasPrefix("<") { return Array(p.utf8) }
        switch scheme {
        case .sentencePiece: return Array(p.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        case .byteLevel: return Array(p.replacingOccurrences(of: "\u{120}", with: " ").utf8)
        case .wordPiece: return Array((p.hasPrefix("##") ? String(p.dropFirst(2)) : p).utf8)
        }
    }

    func encodeForTransfer(_ text: String) -> (ids: [Int], offsets: [Range<Int>]) {
        let scalars = Array(text.unicodeScalars)
        switch scheme {
        case .sentencePiece:
            // '▁' + text with spaces as '▁'; transformed position p is original p - 1.
            let s = ["\u{2581}"] + scalars.map { $0 == " " ? "\u{2581}" : $0 }
            return greedy(s, from: 0, to: s.count, prefix: "") {
                Range(uncheckedBounds: (max(0, $0.lowerBound - 1), max(0, $0.upperBound - 1)))
            }
        case .byteLevel:
            let s = scalars.map { $0 == " " ? "\u{120}" : $0 }
            return greedy(s, from: 0, to: s.count, prefix: "") { $0 }
        case .wordPiece:
            var ids: [Int] = [], offsets: [Range<Int>] = []
            var i = 0
            while i < scalars.count {
                if scalars[i] == " " {
                    i += 1
                    continue
                }
                var j = i
                while j < scalars.count, scalars[j] != " " { j += 1 }
                var k = i
                while k < j {
                    let r = greedy(scalars, from: k, to: j, prefix: k == i ? "" : "##", maxTokens: 1) { $0 }
                    ids += r.ids
                    offsets += r.offsets
                    k = r.offsets.last?.upperBound ?? j
                }
                i = j
            }
            return (ids, offsets)
        }
    }

    private func greedy(
        _ s: [Unicode.Scalar], from: Int, to: Int, prefix: String, maxTokens: Int = .max,
        offset: (Range<Int>) -> Range<Int>
    ) -> (ids: [Int], offsets: [Range<Int>]) {
        var ids: [Int] = [], offsets: [Range<Int>] = []
        var i = from
        while i < to, ids.count < maxTokens {
            var matched = false
            for length in stride(from: min(longest, to - i), through: 1, by: -1) {
                var candidate = prefix
                candidate.unicodeScalars.append(contentsOf: s[i..<(i + length)])
                if !candidate.hasPrefix("<"), let id = pieceIDs[candidate] {
                    ids.append(id)
                    offsets.append(offset(i..<(i + length)))
                    i += length
                    matched = true
                    break
                }
            }
            if !matched {
                ids.append(pieceIDs["<unk>"] ?? 0)
                offsets.append(offset(i..<(i + 1)))
                i += 1
            }
        }
        return (ids, offsets)
    }
}
